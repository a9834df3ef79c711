package dev.cairn.projections;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.EventEnvelope;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.spi.SetOnce;
import dev.cairn.projections.internal.StreamsReset;
import dev.cairn.projections.internal.StreamsTopology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.jspecify.annotations.Nullable;
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
  private final Class<S> stateType;
  private final Map<String, Object> config;
  private final List<Grouping<S, ?>> groupings;
  private final StreamsTopology<S> topology;
  private @Nullable KafkaStreams streams;

  private StreamsProjection(Builder<S> b) {
    this.name = b.name;
    this.topic = b.topic;
    this.stateType = b.stateType;
    this.config = new HashMap<>(b.config);
    this.groupings = List.copyOf(b.groupings);
    this.topology = new StreamsTopology<>(name, topic, b.serializer, stateType, b.initial, b.folder, groupings);
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
    return topology.build();
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
    return Optional.ofNullable(store(topology.groupStore(grouping), grouping.type()).get(groupKey));
  }

  private ReadOnlyKeyValueStore<String, S> store() {
    return store(topology.stateStore(), stateType);
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
  public synchronized @Nullable KafkaStreams streams() {
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
      StreamsReset.deleteState(admin, name, topology.internalTopics());
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
     * @throws IllegalStateException if one of the settings was already set
     */
    public Builder<S> config(Map<String, Object> values) {
      config.putAll(SetOnce.merged("Kafka Streams setting", config, requireNonNull(values, "values")));
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
      String name, Class<G> type, Function<S, @Nullable String> keyOf, Supplier<G> initial, BiFunction<G, S, G> add,
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
