package dev.cairn.projections;

import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.store.jdbc.spi.StoreTables;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;

/** The module's table names (validated by the store) and the statements shared by its classes. */
final class Sql {

  static final String MIGRATIONS = "classpath:dev/cairn/projections/migration";

  /** The owner a switch writes on a retired version's checkpoints: no runner may take them. */
  static final String RETIRED_OWNER = "retired";

  /**
   * The owner a Kafka runner's first claim writes on the store-fed checkpoint of the same version:
   * the store-fed runner is fenced and no store-fed runner may take the checkpoint again.
   */
  static final String HANDED_OVER_OWNER = "handed-over-to-kafka";

  /** The owner a replay writes on a partition no runner held: the next runner to read it takes it. */
  static final String REPLAY_OWNER = "replay";

  final StoreTables tables;
  final String schema;
  final String versions;
  final String checkpoints;
  final String offsets;
  final String deadLetters;
  /** The store's events table; null on a read side, whose database holds no store. */
  final @Nullable String events;
  final String commands;
  final String runners;

  Sql(JdbcEventStore store) {
    this(store.tables(), true);
  }

  /** Names the module's tables beside the store's, from its schema and prefix alone. */
  Sql(StoreTables tables) {
    this(tables, true);
  }

  /** Names the module's tables in a read side's database, where no events table exists. */
  static Sql readSide(StoreTables tables) {
    return new Sql(tables, false);
  }

  private Sql(StoreTables tables, boolean beside) {
    this.tables = tables;
    this.schema = tables.schema();
    this.versions = tables.qualified("projection_versions");
    this.checkpoints = tables.qualified("projection_checkpoints");
    this.offsets = tables.qualified("projection_offsets");
    this.deadLetters = tables.qualified("projection_dead_letters");
    this.events = beside ? tables.qualified("events") : null;
    this.commands = tables.qualified("projection_commands");
    this.runners = tables.qualified("projection_runners");
  }

  String historyTable() {
    return tables.prefixed("cairn_projections_schema_history");
  }

  /**
   * Takes the projection version's lock: shared by every batch, exclusive for work that must see
   * no batch in flight (retrying a dead letter, a replay, dropping the tables).
   */
  static void lockVersion(Handle h, ProjectionSpec spec, boolean exclusive) {
    h.createQuery(
            "SELECT " + (exclusive ? "pg_advisory_xact_lock" : "pg_advisory_xact_lock_shared")
                + "(hashtext('cairn_projection'), hashtext(:key))")
        .bind("key", lockKey(spec))
        .mapTo(String.class)
        .one();
  }

  /**
   * The version's shared lock of {@link #lockVersion} as a condition of a query, binding {@code
   * :lockKey} to {@link #lockKey}: it takes the lock in the same round trip as the query. An
   * uncorrelated subquery is a one-time filter that PostgreSQL evaluates before it reads any row,
   * so the lock is taken before the query's rows are locked ({@code FOR UPDATE}), in the order of
   * the callers of {@code lockVersion}; the condition is always true.
   */
  static final String SHARED_VERSION_LOCK =
      "(SELECT true FROM (SELECT pg_advisory_xact_lock_shared(hashtext('cairn_projection'), hashtext(:lockKey))) l)";

  /**
   * Takes the version's shared lock ({@link #lockVersion}) and tells, in the same round trip,
   * whether the version may have open (parked or held) dead letters. The statement's snapshot is
   * taken before the lock is granted, so the answer may be out of date in one direction only: a
   * dead letter resolved meanwhile still counts (the caller then reads the streams waiting behind
   * one, with a snapshot taken after the lock, as without this check). None can open unseen: only
   * the runner that holds a stream's partition (or the store-fed checkpoint) parks its events, and
   * a new holder's batches begin after the claim that waited for the old holder's commit;
   * resolving a dead letter never opens another.
   *
   * @return false only if the version had no open dead letter when the statement began
   */
  boolean lockVersionSharedMayHaveOpenDeadLetters(Handle h, ProjectionSpec spec) {
    return h.createQuery(
            "SELECT EXISTS (SELECT 1 FROM " + deadLetters + " d WHERE d.name = :name AND d.version = :version"
                + " AND d.status IN ('PARKED', 'HELD')) WHERE " + SHARED_VERSION_LOCK)
        .bind("lockKey", lockKey(spec))
        .bind("name", spec.name())
        .bind("version", spec.version())
        .mapTo(Boolean.class)
        .one();
  }

  /** The key of a version's lock. */
  static String lockKey(ProjectionSpec spec) {
    return spec.name() + "_v" + spec.version();
  }

  /** Serialises installs and switches of one projection name. */
  static void lockName(Handle h, String name) {
    h.createQuery("SELECT pg_advisory_xact_lock(hashtext('cairn_projection_name'), hashtext(:name))")
        .bind("name", name)
        .mapTo(String.class)
        .one();
  }

  /** Returns the tables (parts) recorded for a version, empty if it is not installed. */
  List<String> parts(Handle h, ProjectionSpec spec) {
    return h.createQuery("SELECT unnest(tables) FROM " + versions + " WHERE name = :name AND version = :version")
        .bind("name", spec.name())
        .bind("version", spec.version())
        .mapTo(String.class)
        .list();
  }

  /** Empties a version's tables and forgets its dead letters: the start of a replay. */
  void truncate(Handle h, ProjectionSpec spec) {
    ReadModel model = new ReadModel(schema, spec);
    List<String> parts = parts(h, spec);
    if (parts.isEmpty()) {
      throw ProjectionException.of("projection " + spec + " is not installed");
    }
    StringBuilder tables = new StringBuilder();
    for (String part : parts) {
      tables.append(tables.length() == 0 ? "" : ", ").append(model.table(part));
    }
    h.execute("TRUNCATE " + tables);
    h.createUpdate("DELETE FROM " + deadLetters + " WHERE name = :name AND version = :version")
        .bind("name", spec.name())
        .bind("version", spec.version())
        .execute();
  }
}
