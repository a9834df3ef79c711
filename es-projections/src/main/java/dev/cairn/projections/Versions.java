package dev.cairn.projections;

import dev.cairn.api.GlobalPosition;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A projection version's life in the versions table, for {@link ProjectionManager}: installed
 * (its tables created, active at once if it is the first), listed, switched to (readers' views
 * moved, the old version retired and fenced, its tables dropped) or abandoned.
 */
final class Versions {

  /** Under the manager's name, as before this class was split from it: users filter on that. */
  private static final Logger LOG = LoggerFactory.getLogger(ProjectionManager.class);
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  private final Jdbi jdbi;
  private final Sql sql;

  Versions(Jdbi jdbi, Sql sql) {
    this.jdbi = jdbi;
    this.sql = sql;
  }

  private ReadModel readModel(ProjectionSpec spec) {
    return new ReadModel(sql.schema, spec);
  }

  /** See {@link ProjectionManager#install}. */
  boolean install(Projection projection) {
    ProjectionSpec spec = projection.spec();
    return jdbi
        .inTransaction(
            h -> {
              Sql.lockName(h, spec.name());
              Optional<String> status = status(h, spec);
              if (status.isPresent()) {
                return status.get().equals("ACTIVE");
              }
              OptionalInt active = activeVersion(h, spec.name());
              if (active.isPresent() && active.getAsInt() > spec.version()) {
                throw ProjectionException.of(
                    "projection " + spec + " is older than the active version " + active.getAsInt());
              }
              ReadModel model = readModel(spec);
              // The reader view takes the projection's name: it must not be an existing table.
              Optional<String> kind =
                  h.createQuery(
                          "SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                              + " WHERE n.nspname = :schema AND c.relname = :name")
                      .bind("schema", sql.schema)
                      .bind("name", spec.name())
                      .mapTo(String.class)
                      .findOne();
              if (kind.isPresent() && !kind.get().equals("v")) {
                throw ProjectionException.of(
                    "projection name " + spec.name() + " is taken by a relation of kind '" + kind.get()
                        + "' in schema " + sql.schema + "; its reader view needs that name");
              }
              try {
                projection.setup(h, model);
              } catch (RuntimeException e) {
                throw ProjectionException.of("setting up the tables of " + spec, e);
              }
              List<String> parts = model.parts();
              if (parts.isEmpty()) {
                throw ProjectionException.of("projection " + spec + " named no table in setup (use ReadModel.table())");
              }
              boolean activate = active.isEmpty();
              h.createUpdate(
                      "INSERT INTO " + sql.versions + " (name, version, status, tables, activated_at)"
                          + " VALUES (:name, :version, :status, :tables, CASE WHEN :active THEN now() END)")
                  .bind("name", spec.name())
                  .bind("version", spec.version())
                  .bind("status", activate ? "ACTIVE" : "BUILDING")
                  .bind("tables", parts.toArray(new String[0]))
                  .bind("active", activate)
                  .execute();
              if (activate) {
                for (String part : parts) {
                  h.execute("CREATE OR REPLACE VIEW " + model.view(part) + " AS SELECT * FROM " + model.table(part));
                }
              }
              return activate;
            });
  }

  OptionalInt activeVersion(Handle h, String name) {
    return h.createQuery("SELECT version FROM " + sql.versions + " WHERE name = :name AND status = 'ACTIVE'")
        .bind("name", name)
        .mapTo(Integer.class)
        .findOne()
        .map(OptionalInt::of)
        .orElse(OptionalInt.empty());
  }

  Optional<String> status(Handle h, ProjectionSpec spec) {
    return h.createQuery("SELECT status FROM " + sql.versions + " WHERE name = :name AND version = :version")
        .bind("name", spec.name())
        .bind("version", spec.version())
        .mapTo(String.class)
        .findOne();
  }

  /** See {@link ProjectionManager#versions}. */
  List<ProjectionVersion> list() {
    return jdbi
        .withHandle(
            h ->
                h.createQuery(
                        "SELECT v.name, v.version, v.status, v.tables, c.tx_id, c.position,"
                            + " (SELECT coalesce(jsonb_object_agg(o.topic || '-' || o.partition, o.next_offset), '{}')::text"
                            + "  FROM " + sql.offsets + " o WHERE o.name = v.name AND o.version = v.version) AS offsets,"
                            + " (SELECT count(*) FROM " + sql.deadLetters + " d WHERE d.name = v.name"
                            + "  AND d.version = v.version AND d.status IN ('PARKED', 'HELD')) AS parked"
                            + " FROM " + sql.versions + " v LEFT JOIN " + sql.checkpoints + " c"
                            + " ON c.name = v.name AND c.version = v.version ORDER BY v.name, v.version")
                    .map(
                        (rs, ctx) -> {
                          long tx = rs.getLong("tx_id");
                          GlobalPosition checkpoint = rs.wasNull() ? null : new GlobalPosition(tx, rs.getLong("position"));
                          Map<String, Long> offsets = new java.util.TreeMap<>();
                          try {
                            JSON.readTree(rs.getString("offsets"))
                                .properties()
                                .forEach(e -> offsets.put(e.getKey(), e.getValue().asLong()));
                          } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                          }
                          return new ProjectionVersion(
                              rs.getString("name"),
                              rs.getInt("version"),
                              rs.getString("status"),
                              List.of((String[]) rs.getArray("tables").getArray()),
                              checkpoint,
                              offsets,
                              rs.getLong("parked"));
                        })
                    .list());
  }

  /** See {@link ProjectionManager#switchTo(ProjectionSpec)}; {@code atSwitch} runs in the switch's transaction. */
  GlobalPosition switchTo(ProjectionSpec spec, Consumer<Handle> atSwitch) {
    record Switched(GlobalPosition at, OptionalInt old) {}
    Switched switched =
        jdbi
            .inTransaction(
                h -> {
                  Sql.lockName(h, spec.name());
                  String status =
                      status(h, spec).orElseThrow(() -> ProjectionException.of("projection " + spec + " is not installed"));
                  if (status.equals("RETIRED")) {
                    throw ProjectionException.of("projection " + spec + " is retired");
                  }
                  GlobalPosition at =
                      h.createQuery(
                              "SELECT tx_id, position FROM " + sql.checkpoints
                                  + " WHERE name = :name AND version = :version FOR SHARE")
                          .bind("name", spec.name())
                          .bind("version", spec.version())
                          .map((rs, ctx) -> new GlobalPosition(rs.getLong(1), rs.getLong(2)))
                          .findOne()
                          .orElse(GlobalPosition.START);
                  OptionalInt old = activeVersion(h, spec.name());
                  if (status.equals("ACTIVE")) {
                    return new Switched(at, OptionalInt.empty());
                  }
                  atSwitch.accept(h);
                  ReadModel next = readModel(spec);
                  List<String> nextParts = sql.parts(h, spec);
                  if (old.isPresent()) {
                    ProjectionSpec oldSpec = new ProjectionSpec(spec.name(), old.getAsInt(), spec.eventTypes());
                    ReadModel before = readModel(oldSpec);
                    for (String part : sql.parts(h, oldSpec)) {
                      h.execute("DROP VIEW IF EXISTS " + before.view(part));
                    }
                    h.createUpdate("UPDATE " + sql.versions + " SET status = 'RETIRED' WHERE name = :name AND version = :version")
                        .bind("name", spec.name())
                        .bind("version", old.getAsInt())
                        .execute();
                    for (String table : List.of(sql.checkpoints, sql.offsets)) {
                      h.createUpdate(
                              "UPDATE " + table + " SET generation = generation + 1, owner = '" + Sql.RETIRED_OWNER + "'"
                                  + " WHERE name = :name AND version = :version")
                          .bind("name", spec.name())
                          .bind("version", old.getAsInt())
                          .execute();
                    }
                  }
                  for (String part : nextParts) {
                    h.execute("DROP VIEW IF EXISTS " + next.view(part));
                    h.execute("CREATE VIEW " + next.view(part) + " AS SELECT * FROM " + next.table(part));
                  }
                  h.createUpdate(
                          "UPDATE " + sql.versions + " SET status = 'ACTIVE', activated_at = now()"
                              + " WHERE name = :name AND version = :version")
                      .bind("name", spec.name())
                      .bind("version", spec.version())
                      .execute();
                  return new Switched(at, old);
                });
    if (switched.old().isPresent()) {
      dropVersion(new ProjectionSpec(spec.name(), switched.old().getAsInt(), spec.eventTypes()));
    }
    LOG.info("projection {} is active; readers switched at {}", spec, switched.at());
    return switched.at();
  }

  /** See {@link ProjectionManager#abandon}. */
  void abandon(ProjectionSpec spec) {
    jdbi
        .useTransaction(
            h -> {
              Sql.lockName(h, spec.name());
              if (status(h, spec).filter("ACTIVE"::equals).isPresent()) {
                throw ProjectionException.of("projection " + spec + " is active; switch to another version first");
              }
            });
    dropVersion(spec);
    jdbi
        .useTransaction(
            h -> {
              for (String table : List.of(sql.checkpoints, sql.offsets, sql.versions)) {
                h.createUpdate("DELETE FROM " + table + " WHERE name = :name AND version = :version")
                    .bind("name", spec.name())
                    .bind("version", spec.version())
                    .execute();
              }
            });
  }

  /** Drops a retired version's tables once no batch of it is in flight. */
  private void dropVersion(ProjectionSpec old) {
    jdbi
        .useTransaction(
            h -> {
              Sql.lockVersion(h, old, true);
              ReadModel model = readModel(old);
              for (String part : sql.parts(h, old)) {
                h.execute("DROP TABLE IF EXISTS " + model.table(part));
              }
              for (String table : List.of(sql.deadLetters)) {
                h.createUpdate("DELETE FROM " + table + " WHERE name = :name AND version = :version")
                    .bind("name", old.name())
                    .bind("version", old.version())
                    .execute();
              }
            });
  }
}
