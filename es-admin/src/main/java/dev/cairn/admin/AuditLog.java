package dev.cairn.admin;

import static java.util.Objects.requireNonNull;

import dev.cairn.admin.internal.AdminJson;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.store.jdbc.spi.SchemaMigrations;
import dev.cairn.store.jdbc.spi.StoreTables;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit table: every mutating admin action (replay, rebuild, switch, retry, skip, pause,
 * resume), refused ones too, with who asked, from where, what on what, with which arguments, and
 * how it ended. Lives in the store's schema as {@code <prefix>admin_audit}, created by {@link
 * #migrate()} with a Flyway history table of its own.
 */
public final class AuditLog {

  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  static final String MIGRATIONS = "classpath:dev/cairn/admin/migration";
  static final String HISTORY = "cairn_admin_schema_history";

  private final Jdbi jdbi;
  private final Runnable migrator;
  private final String table;

  AuditLog(JdbcEventStore store) {
    this(store.jdbi(), store.tables(), () -> store.migrate(MIGRATIONS, store.tables().prefixed(HISTORY)));
  }

  AuditLog(DataSource dataSource, StoreTables tables) {
    this(Jdbi.create(dataSource), tables, () -> SchemaMigrations.migrate(dataSource, tables, MIGRATIONS, tables.prefixed(HISTORY)));
  }

  private AuditLog(Jdbi jdbi, StoreTables tables, Runnable migrator) {
    this.jdbi = jdbi;
    this.migrator = migrator;
    this.table = tables.qualified("admin_audit");
  }

  /**
   * One recorded action.
   *
   * @param id its id
   * @param at when
   * @param actor who (the {@code X-Cairn-Actor} header, the CLI's user, {@code token} or {@code
   *     anonymous})
   * @param remote from which address, or null
   * @param action what, e.g. {@code projection.replay}
   * @param target on what, e.g. {@code order_summary v1} or {@code dead letter 7}
   * @param arguments the arguments given
   * @param status the HTTP status it was answered with (202 accepted, 4xx refused)
   * @param result what came of it: the command's id, or the refusal's message; null if it had none
   */
  public record Entry(
      long id,
      Instant at,
      String actor,
      @Nullable String remote,
      String action,
      String target,
      Map<String, Object> arguments,
      int status,
      @Nullable String result) {}

  /**
   * Creates or upgrades the audit table, with the history table {@code
   * <prefix>cairn_admin_schema_history}.
   *
   * @throws dev.cairn.api.EventStoreException if a migration fails
   */
  public void migrate() {
    migrator.run();
  }


  /**
   * Records an action and logs it at INFO.
   *
   * @param actor who
   * @param remote from where, or null
   * @param action what
   * @param target on what
   * @param arguments with which arguments
   * @param status how it was answered
   * @param result what came of it, or null (an exception without a message)
   * @return the id of the entry
   */
  public long record(
      String actor,
      @Nullable String remote,
      String action,
      String target,
      Map<String, ?> arguments,
      int status,
      @Nullable String result) {
    requireNonNull(actor, "actor");
    requireNonNull(action, "action");
    requireNonNull(target, "target");
    LOG.info("admin: {} from {}: {} {} {} -> {} {}", actor, remote, action, target, arguments, status, result);
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "INSERT INTO " + table + " (actor, remote, action, target, arguments, status, result)"
                        + " VALUES (:actor, :remote, :action, :target, :arguments, :status, :result) RETURNING id")
                .bind("actor", actor)
                .bind("remote", remote)
                .bind("action", action)
                .bind("target", target)
                .bind("arguments", AdminJson.writeString(arguments))
                .bind("status", status)
                .bind("result", result)
                .mapTo(Long.class)
                .one());
  }

  /**
   * Lists entries, newest first.
   *
   * @param action only this action, or null for all
   * @param limit 1 to 500
   * @param offset 0 or more
   * @return the page
   * @throws IllegalArgumentException if the paging is out of bounds
   */
  public Page<Entry> list(@Nullable String action, int limit, int offset) {
    Page.check(limit, offset);
    return jdbi.withHandle(
        h -> {
          long total =
              h.createQuery("SELECT count(*) FROM " + table + " WHERE (CAST(:action AS text) IS NULL OR action = :action)")
                  .bind("action", action)
                  .mapTo(Long.class)
                  .one();
          var items =
              h.createQuery(
                      "SELECT * FROM " + table + " WHERE (CAST(:action AS text) IS NULL OR action = :action)"
                          + " ORDER BY id DESC LIMIT :limit OFFSET :offset")
                  .bind("action", action)
                  .bind("limit", limit)
                  .bind("offset", offset)
                  .map(
                      (rs, ctx) ->
                          new Entry(
                              rs.getLong("id"),
                              rs.getObject("at", OffsetDateTime.class).toInstant(),
                              rs.getString("actor"),
                              rs.getString("remote"),
                              rs.getString("action"),
                              rs.getString("target"),
                              AdminJson.readMap(rs.getString("arguments")),
                              rs.getInt("status"),
                              rs.getString("result")))
                  .list();
          return new Page<>(items, total, limit, offset);
        });
  }
}
