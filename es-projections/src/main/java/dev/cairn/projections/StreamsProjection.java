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
import java.util.ArrayList;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 * <p>A {@link Grouping} re-keys the states and aggregates them per group (orders per customer, say):
 * each change of a key's state subtracts its old state from its old group and adds the new one to
 * its new group, through a repartition topic, so a group's figure is kept up to date as states
 * change or move between groups, and is read by its key ({@link #group}).
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
  private final List<Grouping<S, ?>> groupings;
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
    this.groupings = List.copyOf(b.groupings);
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
    Serde<S> stateSerde = jsonSerde(stateType);
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(storeName), Serdes.String(), stateSerde));
    KStream<String, Change<S>> changes =
        builder.stream(topic, Consumed.with(Serdes.String(), Serdes.ByteArray())).process(FoldProcessor::new, storeName);
    for (Grouping<S, ?> g : groupings) {
      addGrouping(changes, g, stateSerde);
    }
    return builder.build();
  }

  /** A key's state before and after one event, either absent. */
  record Change<T>(T before, T after) {}

  private <G> void addGrouping(KStream<String, Change<S>> changes, Grouping<S, G> g, Serde<S> stateSerde) {
    Serde<Change<S>> changeSerde = changeSerde(stateSerde);
    changes
        .flatMap(
            (key, change) -> {
              // The old state leaves its group, the new one joins its group (maybe the same).
              List<KeyValue<String, Change<S>>> moves = new ArrayList<>(2);
              String from = change.before() == null ? null : g.keyOf().apply(change.before());
              String to = change.after() == null ? null : g.keyOf().apply(change.after());
              if (from != null) {
                moves.add(KeyValue.pair(from, new Change<>(change.before(), null)));
              }
              if (to != null) {
                moves.add(KeyValue.pair(to, new Change<>(null, change.after())));
              }
              return moves;
            })
        .groupByKey(Grouped.with(g.name(), Serdes.String(), changeSerde))
        .aggregate(
            g.initial()::get,
            (groupKey, move, total) ->
                move.before() != null ? g.subtract().apply(total, move.before()) : g.add().apply(total, move.after()),
            Materialized.<String, G, KeyValueStore<Bytes, byte[]>>as(groupStore(g))
                .withKeySerde(Serdes.String())
                .withValueSerde(jsonSerde(g.type())));
  }

  private String groupStore(Grouping<S, ?> g) {
    return name + "-group-" + g.name();
  }

  private static <T> Serde<T> jsonSerde(Class<T> type) {
    return Serdes.serdeFrom(
        (t, value) -> {
          try {
            return value == null ? null : JSON.writeValueAsBytes(value);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        },
        (t, bytes) -> {
          try {
            return bytes == null ? null : JSON.readValue(bytes, type);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  private static <T> Serde<Change<T>> changeSerde(Serde<T> states) {
    return Serdes.serdeFrom(
        (t, change) -> {
          byte[] before = change.before() == null ? new byte[0] : states.serializer().serialize(t, change.before());
          byte[] after = change.after() == null ? new byte[0] : states.serializer().serialize(t, change.after());
          return java.nio.ByteBuffer.allocate(8 + before.length + after.length)
              .putInt(before.length).put(before).putInt(after.length).put(after).array();
        },
        (t, bytes) -> {
          java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
          byte[] before = new byte[buffer.getInt()];
          buffer.get(before);
          byte[] after = new byte[buffer.getInt()];
          buffer.get(after);
          return new Change<>(
              before.length == 0 ? null : states.deserializer().deserialize(t, before),
              after.length == 0 ? null : states.deserializer().deserialize(t, after));
        });
  }

  private final class FoldProcessor implements Processor<String, byte[], String, Change<S>> {
    private final Serde<S> stateSerde = jsonSerde(stateType);
    private ProcessorContext<String, Change<S>> context;
    private KeyValueStore<String, S> store;

    @Override
    public void init(ProcessorContext<String, Change<S>> context) {
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
      // A folder may change the state it is given; the groups must see the state as it was.
      S leaving = before == null || groupings.isEmpty() ? before : copy(before);
      S after = folder.fold(before == null ? initial.get() : before, envelope);
      store.put(recorded.streamId(), after);
      if (!groupings.isEmpty()) {
        context.forward(new Record<>(recorded.streamId(), new Change<>(leaving, after), record.timestamp()));
      }
    }

    private S copy(S state) {
      return stateSerde.deserializer().deserialize(topic, stateSerde.serializer().serialize(topic, state));
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

  /**
   * Returns a group's figure from the local store of a grouping.
   *
   * @param grouping a grouping this projection was built with
   * @param groupKey the group's key
   * @param <G> the figure
   * @return the figure, empty if no state ever joined the group here
   * @throws IllegalArgumentException if the projection was not built with the grouping
   * @throws InvalidStateStoreException if the store is not queryable now (starting, rebalancing)
   */
  public <G> Optional<G> group(Grouping<S, G> grouping, String groupKey) {
    // By name and type: a grouping rebuilt elsewhere with other lambda instances is the same one.
    if (groupings.stream().noneMatch(g -> g.name().equals(grouping.name()) && g.type().equals(grouping.type()))) {
      throw new IllegalArgumentException(
          "streams projection " + name + " has no grouping " + grouping.name() + " of " + grouping.type().getSimpleName()
              + "; it was built with " + groupings.stream().map(Grouping::name).toList());
    }
    return Optional.ofNullable(store(groupStore(grouping), grouping.type()).get(groupKey));
  }

  private ReadOnlyKeyValueStore<String, S> store() {
    return store(storeName, stateType);
  }

  private <T> ReadOnlyKeyValueStore<String, T> store(String store, Class<T> type) {
    KafkaStreams s = streams;
    if (s == null) {
      throw new IllegalStateException("streams projection " + name + " is not started");
    }
    return s.store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.<String, T>keyValueStore()));
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
      // Its changelogs and repartition topics, by the names Kafka Streams gives them: exactly
      // these, never another application's whose id merely starts the same.
      Set<String> ours = new HashSet<>();
      ours.add(name + "-" + storeName + "-changelog");
      for (Grouping<S, ?> g : groupings) {
        ours.add(name + "-" + groupStore(g) + "-changelog");
        ours.add(name + "-" + g.name() + "-repartition");
      }
      List<String> internal = admin.listTopics().names().get().stream().filter(ours::contains).toList();
      if (!internal.isEmpty()) {
        admin.deleteTopics(internal).all().get();
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
    private final List<Grouping<S, ?>> groupings = new ArrayList<>();

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
     * Adds a grouping of the states, queried with {@link StreamsProjection#group}.
     *
     * @param grouping the grouping
     * @return this builder
     * @throws IllegalArgumentException if a grouping of that name was added already
     */
    public Builder<S> groupedBy(Grouping<S, ?> grouping) {
      requireNonNull(grouping, "grouping");
      if (groupings.stream().anyMatch(g -> g.name().equals(grouping.name()))) {
        throw new IllegalArgumentException("streams projection " + name + " already has a grouping " + grouping.name());
      }
      groupings.add(grouping);
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

  /**
   * Aggregates the states of a {@link StreamsProjection} per group: a state's group is {@code
   * keyOf(state)} (null for none), and a group's figure starts at {@code initial} and moves by
   * {@code add} and {@code subtract} as states join and leave it. The two must undo each other and
   * commute (sums and counts do), since changes from different partitions arrive in any order.
   *
   * @param name names the group's store and repartition topic ({@code [a-z0-9_-]+})
   * @param type the figure's class, written as JSON
   * @param keyOf a state's group, or null (the state then counts in no group)
   * @param initial the figure of an empty group
   * @param add adds a state to a figure
   * @param subtract takes a state out of a figure
   * @param <S> the state per key
   * @param <G> the figure per group
   */
  public record Grouping<S, G>(
      String name, Class<G> type, Function<S, String> keyOf, Supplier<G> initial, BiFunction<G, S, G> add,
      BiFunction<G, S, G> subtract) {

    /**
     * Checks the parts.
     *
     * @throws IllegalArgumentException if the name is not {@code [a-z0-9_-]{1,100}}
     */
    public Grouping {
      if (name == null || !name.matches("[a-z0-9_-]{1,100}")) {
        throw new IllegalArgumentException("grouping name must match [a-z0-9_-]{1,100} but was '" + name + "'");
      }
      requireNonNull(type, "type");
      requireNonNull(keyOf, "keyOf");
      requireNonNull(initial, "initial");
      requireNonNull(add, "add");
      requireNonNull(subtract, "subtract");
    }
  }
}
