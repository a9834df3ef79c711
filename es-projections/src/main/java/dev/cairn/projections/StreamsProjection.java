package dev.cairn.projections;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.api.EventEnvelope;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds a topic of Cairn records by key (the stream id) into a Kafka Streams state store, with
 * {@code processing.guarantee=exactly_once_v2}, and answers queries on it (interactive queries).
 * The state is written as JSON. {@link #reset()} deletes the application's offsets and changelog
 * and folds the topic again from the start.
 *
 * <pre>{@code
 * StreamsProjection<Balance> balances = StreamsProjection.builder("balances", topic, serializer,
 *         Balance.class, () -> Balance.ZERO, (state, e) -> state.apply(e))
 *     .config(Map.of(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, servers))
 *     .build();
 * balances.start();
 * Optional<Balance> b = balances.get("acc-1");
 * }</pre>
 *
 * <p>Queries read the state of the partitions this instance holds; with several instances, ask
 * {@link #streams()} for the owner of a key ({@code queryMetadataForKey}).
 *
 * @param <S> the state per key
 */
public final class StreamsProjection<S> implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StreamsProjection.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Folds one event into a key's state.
   *
   * @param <S> the state
   */
  @FunctionalInterface
  public interface Folder<S> {
    /**
     * Returns the state after the event.
     *
     * @param state the state before (the initial state for a new key)
     * @param event the event
     * @return the new state
     */
    S fold(S state, EventEnvelope<?> event);
  }

  private final String name;
  private final String topic;
  private final EventSerializer serializer;
  private final Class<S> stateType;
  private final Supplier<S> initial;
  private final Folder<S> folder;
  private final Map<String, Object> config;
  private final String storeName;
  private KafkaStreams streams;

  private StreamsProjection(Builder<S> b) {
    this.name = b.name;
    this.topic = b.topic;
    this.serializer = b.serializer;
    this.stateType = b.stateType;
    this.initial = b.initial;
    this.folder = b.folder;
    this.config = new HashMap<>(b.config);
    this.storeName = name + "-state";
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, name);
    config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    if (!config.containsKey(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)) {
      throw new IllegalArgumentException("streams projection " + name + " needs " + StreamsConfig.BOOTSTRAP_SERVERS_CONFIG);
    }
  }

  /**
   * Starts a streams projection.
   *
   * @param name the Kafka Streams application id (also names the store)
   * @param topic the topic of Cairn records to fold
   * @param serializer reads the records' events
   * @param stateType the state's class, written as JSON
   * @param initial the state of a key before its first event
   * @param folder folds an event into a key's state
   * @param <S> the state
   * @return a builder
   * @throws IllegalArgumentException if the name is not a valid Kafka application id
   */
  public static <S> Builder<S> builder(
      String name, String topic, EventSerializer serializer, Class<S> stateType, Supplier<S> initial, Folder<S> folder) {
    return new Builder<>(name, topic, serializer, stateType, initial, folder);
  }

  Topology topology() {
    Serde<S> stateSerde =
        Serdes.serdeFrom(
            (t, state) -> {
              try {
                return state == null ? null : JSON.writeValueAsBytes(state);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            (t, bytes) -> {
              try {
                return bytes == null ? null : JSON.readValue(bytes, stateType);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    Topology topology = new Topology();
    topology.addSource("source", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), topic);
    topology.addProcessor("fold", FoldProcessor::new, "source");
    topology.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(storeName), Serdes.String(), stateSerde), "fold");
    return topology;
  }

  private final class FoldProcessor implements Processor<String, byte[], Void, Void> {
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, S> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      this.context = context;
      this.store = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, byte[]> record) {
      RecordMetadata meta = context.recordMetadata().orElseThrow();
      ConsumerRecord<String, byte[]> r =
          new ConsumerRecord<>(
              meta.topic(), meta.partition(), meta.offset(), record.timestamp(), TimestampType.CREATE_TIME,
              -1, -1, record.key(), record.value(), record.headers(), Optional.empty());
      RecordedEvent recorded = CairnRecords.toRecordedEvent(r);
      EventEnvelope<Object> envelope = EventEnvelope.of(recorded, serializer.deserialize(recorded));
      S before = store.get(recorded.streamId());
      store.put(recorded.streamId(), folder.fold(before == null ? initial.get() : before, envelope));
    }
  }

  /**
   * Starts the Kafka Streams application.
   *
   * @throws IllegalStateException if already started
   */
  public synchronized void start() {
    if (streams != null) {
      throw new IllegalStateException("streams projection " + name + " was already started");
    }
    streams = new KafkaStreams(topology(), new StreamsConfig(config));
    streams.start();
  }

  /**
   * Returns a key's state from the local store.
   *
   * @param key the stream id
   * @return its state, empty if no event of it was folded here
   * @throws InvalidStateStoreException if the store is not queryable now (starting, rebalancing)
   */
  public Optional<S> get(String key) {
    return Optional.ofNullable(store().get(key));
  }

  /**
   * Returns every key's state held by this instance.
   *
   * @return the states by key, in key order
   * @throws InvalidStateStoreException if the store is not queryable now
   */
  public Map<String, S> all() {
    Map<String, S> result = new TreeMap<>();
    try (KeyValueIterator<String, S> it = store().all()) {
      while (it.hasNext()) {
        KeyValue<String, S> kv = it.next();
        result.put(kv.key, kv.value);
      }
    }
    return result;
  }

  private ReadOnlyKeyValueStore<String, S> store() {
    KafkaStreams s = streams;
    if (s == null) {
      throw new IllegalStateException("streams projection " + name + " is not started");
    }
    return s.store(StoreQueryParameters.fromNameAndType(storeName, QueryableStoreTypes.<String, S>keyValueStore()));
  }

  /**
   * Returns the running Kafka Streams application (for its state and metadata).
   *
   * @return the application, or null if not started
   */
  public synchronized KafkaStreams streams() {
    return streams;
  }

  /**
   * Rebuilds the state from the start of the topic: stops the application, deletes its local
   * state, its committed offsets and its changelog topic, and starts it again.
   *
   * @throws ProjectionException if Kafka refuses a deletion
   */
  public synchronized void reset() {
    if (streams != null) {
      // Leave the group now, so that its offsets can be deleted at once.
      streams.close(
          CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
              .withTimeout(Duration.ofSeconds(30)));
      streams.cleanUp();
      streams = null;
    }
    try (Admin admin = KafkaAdmins.open(config)) {
      try {
        admin.deleteConsumerGroups(List.of(name)).all().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof GroupIdNotFoundException)) {
          throw e;
        }
      }
      String changelog = name + "-" + storeName + "-changelog";
      if (admin.listTopics().names().get().contains(changelog)) {
        admin.deleteTopics(List.of(changelog)).all().get();
      }
    } catch (ExecutionException e) {
      throw ProjectionException.of("resetting streams projection " + name, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProjectionException.of("interrupted resetting streams projection " + name, e);
    }
    LOG.info("streams projection {} reset; folding {} again", name, topic);
    start();
  }

  /** Stops the application. */
  @Override
  public synchronized void close() {
    if (streams != null) {
      streams.close(Duration.ofSeconds(30));
      streams = null;
    }
  }

  /**
   * Configures a {@link StreamsProjection}.
   *
   * @param <S> the state
   */
  public static final class Builder<S> {
    private final String name;
    private final String topic;
    private final EventSerializer serializer;
    private final Class<S> stateType;
    private final Supplier<S> initial;
    private final Folder<S> folder;
    private final Map<String, Object> config = new HashMap<>();

    private Builder(
        String name, String topic, EventSerializer serializer, Class<S> stateType, Supplier<S> initial, Folder<S> folder) {
      if (name == null || !name.matches("[A-Za-z0-9._-]{1,200}")) {
        throw new IllegalArgumentException(
            "streams projection name must match [A-Za-z0-9._-]{1,200} (a Kafka application id) but was '" + name + "'");
      }
      this.name = name;
      this.topic = requireNonNull(topic, "topic");
      this.serializer = requireNonNull(serializer, "serializer");
      this.stateType = requireNonNull(stateType, "stateType");
      this.initial = requireNonNull(initial, "initial");
      this.folder = requireNonNull(folder, "folder");
    }

    /**
     * Adds Kafka Streams settings, passed through (bootstrap servers at least; {@code
     * application.id} and {@code processing.guarantee} are set by the projection).
     *
     * @param values the settings
     * @return this builder
     */
    public Builder<S> config(Map<String, Object> values) {
      config.putAll(requireNonNull(values, "values"));
      return this;
    }

    /**
     * Builds the projection (not started).
     *
     * @return the projection
     * @throws IllegalArgumentException if no bootstrap servers are set
     */
    public StreamsProjection<S> build() {
      return new StreamsProjection<>(this);
    }
  }
}
