package dev.cairn.projections;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.EventSerializer;
import dev.cairn.api.GlobalPosition;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.store.jdbc.spi.SchemaMigrations;
import dev.cairn.store.jdbc.spi.StoreTables;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jspecify.annotations.Nullable;

/**
 * The entry point of projections, on a {@link JdbcEventStore} or on a read side's own database
 * ({@link #readSide}, fed by Kafka only): migrates the module's tables,
 * installs projection versions, builds runners, rebuilds and switches versions, and gives access
 * to the dead letters.
 *
 * <pre>{@code
 * ProjectionManager projections = ProjectionManager.create(store, serializer);
 * projections.migrate();
 * projections.install(balances);
 * StoreProjectionRunner runner = projections.storeRunner(balances).build();
 * runner.start();
 * }</pre>
 *
 * <p>A version's tables are {@code <name>_v<version>}; readers query the view {@code <name>},
 * which points at the active version. The first installed version becomes active at once; later
 * ones are built by {@link #rebuild} (or {@link KafkaRebuild}) and switched to when caught up.
 *
 * <p>A read side in a database of its own needs no store: {@code ProjectionManager.readSide(
 * dataSource, serializer).schema("orders_read").build()} gives a manager whose Kafka-fed runners,
 * replays, dead letters, status, health and metrics work as they do beside a store; store-fed
 * runners and {@link #rebuild} fail there, naming why.
 */
public final class ProjectionManager {

  /** The event store; null for a read side built from a data source alone. */
  private final @Nullable JdbcEventStore store;
  private final Jdbi jdbi;
  private final MeterRegistry meters;
  /** The read side's database; null beside a store (its migrations run through the store). */
  private final @Nullable DataSource dataSource;
  private final EventSerializer serializer;
  private final Sql sql;
  private final DeadLetters deadLetters;
  private final ProjectionCommands commands;
  private final Versions versions;
  private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();

  private ProjectionManager(JdbcEventStore store, EventSerializer serializer) {
    this.store = requireNonNull(store, "store");
    this.jdbi = store.jdbi();
    this.meters = store.meterRegistry();
    this.dataSource = null;
    this.serializer = requireNonNull(serializer, "serializer");
    this.sql = new Sql(store);
    this.deadLetters = new DeadLetters(jdbi, sql, serializer);
    this.commands = new ProjectionCommands(jdbi, sql);
    this.versions = new Versions(jdbi, sql);
  }

  /** A read side's manager: see {@link ReadSideBuilder}. */
  ProjectionManager(DataSource dataSource, StoreTables tables, MeterRegistry meters, EventSerializer serializer) {
    this.store = null;
    this.dataSource = requireNonNull(dataSource, "dataSource");
    this.jdbi = Jdbi.create(dataSource);
    this.meters = requireNonNull(meters, "meterRegistry");
    this.serializer = requireNonNull(serializer, "serializer");
    this.sql = Sql.readSide(tables);
    this.deadLetters = new DeadLetters(jdbi, sql, serializer);
    this.commands = new ProjectionCommands(jdbi, sql);
    this.versions = new Versions(jdbi, sql);
  }

  /**
   * Creates a manager.
   *
   * @param store the event store, whose schema and prefix the module's tables share
   * @param serializer reads stored events into records
   * @return the manager
   */
  public static ProjectionManager create(JdbcEventStore store, EventSerializer serializer) {
    return new ProjectionManager(store, serializer);
  }

  /**
   * Creates the manager of a read side: projections in a database of their own (schema {@code
   * public}, no table prefix), fed by Kafka, with no event store. Store-fed runners and store-fed
   * rebuilds are not available there; {@link KafkaRebuild} rebuilds from the retained topics.
   *
   * @param readModel the read side's database
   * @param serializer reads the records' events
   * @return the manager
   */
  public static ProjectionManager create(DataSource readModel, EventSerializer serializer) {
    return readSide(readModel, serializer).build();
  }

  /**
   * Starts configuring the manager of a read side (schema, table prefix, meter registry), on a
   * database of its own and with no event store.
   *
   * @param readModel the read side's database
   * @param serializer reads the records' events
   * @return a builder
   */
  public static ReadSideBuilder readSide(DataSource readModel, EventSerializer serializer) {
    return new ReadSideBuilder(readModel, serializer);
  }

  /**
   * Tells whether this manager has an event store, or is a read side built from a data source.
   *
   * @return true if built on a {@link JdbcEventStore}
   */
  public boolean hasStore() {
    return store != null;
  }

  /**
   * Creates or upgrades the module's tables (versions, checkpoints, offsets, dead letters), with
   * a Flyway history table of its own.
   *
   * @throws dev.cairn.api.EventStoreException if a migration fails
   */
  public void migrate() {
    if (store != null) {
      store.migrate(Sql.MIGRATIONS, sql.historyTable());
    } else {
      // a manager with no store is a read side, built on a data source
      SchemaMigrations.migrate(requireNonNull(dataSource, "dataSource"), sql.tables, Sql.MIGRATIONS, sql.historyTable());
    }
  }

  /**
   * Installs a projection version: creates its tables, records it, and, if no version of the
   * projection is active yet, makes it active and creates the reader views. Installing an
   * installed version does nothing.
   *
   * @param projection the projection
   * @return true if this version is now active
   * @throws ProjectionException if the version is older than the active one, or setup fails
   */
  public boolean install(Projection projection) {
    return versions.install(projection);
  }

  /**
   * Returns the active version of a projection.
   *
   * @param name the projection's name
   * @return the version, empty if none is active
   */
  public OptionalInt activeVersion(String name) {
    return jdbi.withHandle(h -> versions.activeVersion(h, name));
  }

  /**
   * Returns the status of a projection version: {@code BUILDING}, {@code ACTIVE} or {@code
   * RETIRED}.
   *
   * @param spec the version
   * @return its status, empty if not installed
   */
  public Optional<String> status(ProjectionSpec spec) {
    return jdbi.withHandle(h -> versions.status(h, spec));
  }

  /**
   * Lists every installed projection version with its checkpoints and dead-letter count, read
   * from the database.
   *
   * @return the versions, by name and version
   */
  public List<ProjectionVersion> versions() {
    return versions.list();
  }

  void requireInstalled(ProjectionSpec spec) {
    String status = status(spec).orElseThrow(() -> ProjectionException.of("projection " + spec + " is not installed"));
    if (status.equals("RETIRED")) {
      throw new AbstractRunner.Fenced("projection " + spec + " is retired");
    }
  }

  /**
   * Starts a runner that feeds a projection version from the store's global order.
   *
   * @param projection the projection (installed)
   * @return a builder
   */
  public StoreProjectionRunner.Builder storeRunner(Projection projection) {
    store("a store-fed runner of " + projection.spec());
    return new StoreProjectionRunner.Builder(projection, this);
  }

  /**
   * Starts a runner that feeds a projection version from Kafka topics, as one member of a
   * consumer group.
   *
   * @param projection the projection (installed)
   * @param consumerConfig Kafka consumer settings, passed through (bootstrap servers and group id
   *     at least); the runner sets {@code read_committed}, no auto commit and its deserializers
   * @param topics the topics to read
   * @return a builder
   */
  public KafkaProjectionRunner.Builder kafkaRunner(
      Projection projection, Map<String, Object> consumerConfig, Collection<String> topics) {
    return new KafkaProjectionRunner.Builder(projection, this, consumerConfig, topics);
  }

  /**
   * Starts a rebuild: installs a newer version of an active projection and starts a store-fed
   * runner that builds its tables from the start, while the active version keeps serving.
   * {@link Rebuild#switchOver()} then switches readers when it has caught up.
   *
   * @param next the new version
   * @param configure further settings of the rebuilding runner (batch size defaults to 1000)
   * @return the rebuild
   * @throws ProjectionException if the version is not newer than the active one
   */
  public Rebuild rebuild(Projection next, java.util.function.Consumer<StoreProjectionRunner.Builder> configure) {
    ProjectionSpec spec = next.spec();
    store("a store-fed rebuild of " + spec + " (KafkaRebuild replays the topics instead)");
    OptionalInt active = activeVersion(spec.name());
    if (active.isPresent() && active.getAsInt() >= spec.version()) {
      throw ProjectionException.of(
          "rebuild of " + spec + " needs a version above the active one, " + active.getAsInt());
    }
    install(next);
    StoreProjectionRunner.Builder builder = storeRunner(next);
    configure.accept(builder);
    StoreProjectionRunner runner = builder.batchSizeUnlessSet(1000).build();
    runner.start();
    return new Rebuild(this, next, runner);
  }

  /**
   * Starts a rebuild with the default runner settings.
   *
   * @param next the new version
   * @return the rebuild
   * @throws ProjectionException if the version is not newer than the active one
   */
  public Rebuild rebuild(Projection next) {
    return rebuild(next, b -> {});
  }

  /**
   * Switches readers to a projection version in one transaction (the views now select from its
   * tables), retires the version that was active and fences its runners, then drops the retired
   * version's tables.
   *
   * @param spec the version to activate (installed)
   * @return the new version's store checkpoint at the switch ({@link GlobalPosition#START} if it
   *     has none)
   * @throws ProjectionException if the version is not installed or retired
   */
  public GlobalPosition switchTo(ProjectionSpec spec) {
    return switchTo(spec, h -> {});
  }

  /**
   * Switches as {@link #switchTo(ProjectionSpec)} does, running {@code atSwitch} in the switch's
   * transaction before the views move (a Kafka rebuild reads the new version's offsets there).
   */
  GlobalPosition switchTo(ProjectionSpec spec, java.util.function.Consumer<Handle> atSwitch) {
    return versions.switchTo(spec, atSwitch);
  }

  /**
   * Abandons a version that is being built (a rebuild given up): drops its tables and forgets its
   * checkpoints and dead letters. Stop its runners first.
   *
   * @param spec the version
   * @throws ProjectionException if the version is active
   */
  public void abandon(ProjectionSpec spec) {
    versions.abandon(spec);
  }

  /**
   * Returns the dead letters of all projections on this store.
   *
   * @return the dead letters
   */
  public DeadLetters deadLetters() {
    return deadLetters;
  }

  /**
   * Returns the control table: requests to pause, resume, replay, rebuild, switch, retry or skip,
   * which this store's runners (in any process) watch.
   *
   * @return the control table
   */
  public ProjectionCommands commands() {
    return commands;
  }

  /**
   * Names the tables of a projection version.
   *
   * @param spec the version
   * @return its table names
   */
  public ReadModel readModel(ProjectionSpec spec) {
    return new ReadModel(sql.schema, spec);
  }

  JdbcEventStore store() {
    return store("a store-fed runner");
  }

  /** Returns the store, or fails naming what needed it on a read side that has none. */
  private JdbcEventStore store(String what) {
    if (store == null) {
      throw ProjectionException.of(
          what + " needs the event store, but this ProjectionManager is a read side built from a DataSource"
              + " (schema " + sql.schema + "); feed it from Kafka with kafkaRunner()");
    }
    return store;
  }

  Jdbi jdbi() {
    return jdbi;
  }

  Sql sql() {
    return sql;
  }

  EventSerializer serializer() {
    return serializer;
  }

  /**
   * Returns the value holder of a gauge, registering the gauge on first use; runners of the same
   * projection (one after another) share it, so the gauge never reads a stopped runner.
   */
  AtomicLong gauge(String name, Tags tags, String description) {
    return gauges.computeIfAbsent(
        name + tags,
        k -> {
          AtomicLong holder = new AtomicLong();
          Gauge.builder(name, holder, AtomicLong::doubleValue).description(description).tags(tags).register(meterRegistry());
          return holder;
        });
  }

  /**
   * Returns the holder of an age gauge, registering it on first use: the holder keeps an instant in
   * epoch milliseconds (0: none) and the gauge reads the seconds since then. Shared like {@link
   * #gauge}, so that the newest runner of a projection is the one read.
   */
  AtomicLong ageGauge(String name, Tags tags, String description) {
    return gauges.computeIfAbsent(
        name + tags,
        k -> {
          AtomicLong holder = new AtomicLong();
          Gauge.builder(name, holder, h -> h.get() == 0 ? 0 : Math.max(0, System.currentTimeMillis() - h.get()) / 1000.0)
              .description(description)
              .tags(tags)
              .register(meterRegistry());
          return holder;
        });
  }

  MeterRegistry meterRegistry() {
    return meters;
  }
}
