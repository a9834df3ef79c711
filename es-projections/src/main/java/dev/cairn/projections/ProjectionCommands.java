package dev.cairn.projections;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.projections.ProjectionCommand.Status;
import dev.cairn.projections.ProjectionCommand.Type;
import dev.cairn.store.jdbc.JdbcEventStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control table: requests to pause, resume, replay, rebuild, switch, retry or skip, written by
 * any process (the CLI, the admin API of any instance) and executed by a process that can. Runners
 * poll it about once a second, also while paused, and execute what concerns their version
 * ({@code PAUSE}, {@code RESUME}, {@code REPLAY}, {@code RETRY}, {@code SKIP}, {@code RETRY_ALL});
 * {@code REBUILD} and {@code SWITCH} need the new version's code and are executed by whoever holds
 * it (es-admin's command executor). A pause is state on the version's row: a runner started later
 * starts paused.
 *
 * <p>Arguments are checked when a request is written: a bad one is an {@link
 * IllegalArgumentException} naming the argument and the rule, an unknown projection, version or
 * dead letter a {@link NoSuchElementException}, a request the state forbids (rebuild to a version
 * not above the active one, switch to a retired version, skip of an event that is not parked) an
 * {@link IllegalStateException}; nothing is written then.
 */
public final class ProjectionCommands {

  private static final Logger LOG = LoggerFactory.getLogger(ProjectionCommands.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ACTOR = Pattern.compile("[\\x20-\\x7e]{1,200}");

  private final Jdbi jdbi;
  private final Sql sql;

  ProjectionCommands(Jdbi jdbi, Sql sql) {
    this.jdbi = jdbi;
    this.sql = sql;
  }

  /**
   * Opens the control table of a store's projections (the module's tables must be migrated).
   *
   * @param store the event store
   * @return the control table
   */
  public static ProjectionCommands create(JdbcEventStore store) {
    return new ProjectionCommands(store.jdbi(), new Sql(store));
  }

  /** Whether a projection version is paused, by whom and since when. */
  public record Pause(String by, Instant since) {}

  /**
   * Writes a request. {@code PAUSE} and {@code RESUME} take effect as state at once (the request
   * is recorded as {@code DONE}); runners follow within about a second. The others stay {@code
   * PENDING} until a process that can executes them.
   *
   * @param name the projection's name
   * @param version the version, or null for the active one
   * @param type what is asked
   * @param arguments the arguments (see {@link Type})
   * @param requestedBy who asks (1 to 200 printable ASCII characters)
   * @return the request as written
   * @throws IllegalArgumentException if an argument breaks its rule
   * @throws NoSuchElementException if the projection, version or dead letter is unknown
   * @throws IllegalStateException if the request does not fit the projection's state
   */
  public ProjectionCommand request(
      String name, @Nullable Integer version, Type type, Map<String, ?> arguments, String requestedBy) {
    requireNonNull(name, "name");
    requireNonNull(type, "type");
    requireNonNull(arguments, "arguments");
    requireNonNull(requestedBy, "requestedBy");
    if (!ACTOR.matcher(requestedBy).matches()) {
      throw new IllegalArgumentException(
          "requestedBy must be 1 to 200 printable ASCII characters, was \"" + requestedBy.replaceAll("\\p{Cntrl}", "?") + "\"");
    }
    if (version != null && version < 1) {
      throw new IllegalArgumentException("version must be an integer >= 1, was " + version);
    }
    Map<String, Object> args = CommandArguments.check(type, arguments);
    ProjectionCommand written =
        jdbi.inTransaction(
            h -> {
              Sql.lockName(h, name);
              Optional<Integer> active =
                  h.createQuery("SELECT version FROM " + sql.versions + " WHERE name = :name AND status = 'ACTIVE'")
                      .bind("name", name)
                      .mapTo(Integer.class)
                      .findOne();
              boolean known =
                  h.createQuery("SELECT count(*) FROM " + sql.versions + " WHERE name = :name").bind("name", name).mapTo(Long.class).one() > 0;
              if (!known) {
                throw new NoSuchElementException("no projection named " + name + " is installed");
              }
              int target = version != null ? version : type == Type.REBUILD ? active.orElse(0) + 1 : active.orElseThrow(
                  () -> new IllegalStateException("projection " + name + " has no active version; name the version"));
              Optional<String> status = versionStatus(h, name, target);
              checkState(h, name, target, type, args, active, status);
              if (type == Type.PAUSE || type == Type.RESUME) {
                h.createUpdate(
                        "UPDATE " + sql.versions + " SET paused_at = CASE WHEN :pause THEN coalesce(paused_at, now()) END,"
                            + " paused_by = CASE WHEN :pause THEN :by END WHERE name = :name AND version = :version")
                    .bind("pause", type == Type.PAUSE)
                    .bind("by", requestedBy)
                    .bind("name", name)
                    .bind("version", target)
                    .execute();
              }
              boolean immediate = type == Type.PAUSE || type == Type.RESUME;
              return h.createQuery(
                      "INSERT INTO " + sql.commands + " (name, version, command, arguments, requested_by, status, result,"
                          + " executed_by, executed_at) VALUES (:name, :version, :command, :arguments, :by, :status,"
                          + " :result, :executedBy, CASE WHEN :immediate THEN now() END) RETURNING *")
                  .bind("name", name)
                  .bind("version", target)
                  .bind("command", type.name())
                  .bind("arguments", write(args))
                  .bind("by", requestedBy)
                  .bind("status", immediate ? "DONE" : "PENDING")
                  .bind("result", immediate ? (type == Type.PAUSE ? "paused" : "resumed") + "; runners follow within about a second" : null)
                  .bind("executedBy", immediate ? requestedBy : null)
                  .bind("immediate", immediate)
                  .map((rs, ctx) -> read(rs))
                  .one();
            });
    LOG.info("projection {} v{}: {} {} requested by {} (command {})", name, written.version(), type, args, requestedBy, written.id());
    return written;
  }

  private Optional<String> versionStatus(Handle h, String name, int version) {
    return h.createQuery("SELECT status FROM " + sql.versions + " WHERE name = :name AND version = :version")
        .bind("name", name)
        .bind("version", version)
        .mapTo(String.class)
        .findOne();
  }

  private void checkState(
      Handle h, String name, int version, Type type, Map<String, Object> args, Optional<Integer> active, Optional<String> status) {
    String spec = name + " v" + version;
    if (type == Type.REBUILD) {
      if (active.isPresent() && version <= active.get()) {
        throw new IllegalStateException(
            "rebuild of " + name + " needs a version above the active one, " + active.get() + ", but was " + version);
      }
      if (status.isPresent()) {
        throw new IllegalStateException("projection " + spec + " is already installed (" + status.get() + ")");
      }
      return;
    }
    if (status.isEmpty()) {
      throw new NoSuchElementException("projection " + spec + " is not installed");
    }
    if (status.get().equals("RETIRED")) {
      throw new IllegalStateException("projection " + spec + " is retired");
    }
    if (type == Type.RETRY || type == Type.SKIP) {
      long id = CommandArguments.deadLetter(type, args);
      String dl =
          h.createQuery("SELECT status FROM " + sql.deadLetters + " WHERE id = :id AND name = :name AND version = :version")
              .bind("id", id)
              .bind("name", name)
              .bind("version", version)
              .mapTo(String.class)
              .findOne()
              .orElseThrow(() -> new NoSuchElementException("projection " + spec + " has no dead letter " + id));
      if (!dl.equals("PARKED")) {
        throw new IllegalStateException("dead letter " + id + " of " + spec + " is " + dl + ", not PARKED");
      }
    }
  }

  /**
   * Returns one request.
   *
   * @param id its id
   * @return the request, if any
   */
  public Optional<ProjectionCommand> find(long id) {
    return jdbi.withHandle(
        h -> h.createQuery("SELECT * FROM " + sql.commands + " WHERE id = :id").bind("id", id).map((rs, ctx) -> read(rs)).findOne());
  }

  /**
   * Lists requests, newest first.
   *
   * @param name only this projection's, or null for all
   * @param status only those in this status, or null for all
   * @param limit at most this many
   * @param offset after skipping this many
   * @return the requests
   */
  public List<ProjectionCommand> list(@Nullable String name, @Nullable Status status, int limit, int offset) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT * FROM " + sql.commands + " WHERE (CAST(:name AS text) IS NULL OR name = :name)"
                        + " AND (CAST(:status AS text) IS NULL OR status = :status) ORDER BY id DESC LIMIT :limit OFFSET :offset")
                .bind("name", name)
                .bind("status", status == null ? null : status.name())
                .bind("limit", limit)
                .bind("offset", offset)
                .map((rs, ctx) -> read(rs))
                .list());
  }

  /**
   * Counts requests.
   *
   * @param name only this projection's, or null for all
   * @param status only those in this status, or null for all
   * @return the count
   */
  public long count(@Nullable String name, @Nullable Status status) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT count(*) FROM " + sql.commands + " WHERE (CAST(:name AS text) IS NULL OR name = :name)"
                        + " AND (CAST(:status AS text) IS NULL OR status = :status)")
                .bind("name", name)
                .bind("status", status == null ? null : status.name())
                .mapTo(Long.class)
                .one());
  }

  /**
   * Returns when the oldest request still waiting for an executor was written: a request that
   * waits long means no process that can execute it runs.
   *
   * @return the instant, empty if none waits
   */
  public Optional<Instant> oldestPending() {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT min(requested_at) FROM " + sql.commands + " WHERE status = 'PENDING'")
                .map((rs, ctx) -> rs.getObject(1, OffsetDateTime.class))
                .findOne()
                .map(OffsetDateTime::toInstant));
  }

  /**
   * Tells whether a projection version is paused.
   *
   * @param name the projection's name
   * @param version the version
   * @return the pause, empty if it runs (or is not installed)
   */
  public Optional<Pause> pause(String name, int version) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT paused_by, paused_at FROM " + sql.versions
                        + " WHERE name = :name AND version = :version AND paused_at IS NOT NULL")
                .bind("name", name)
                .bind("version", version)
                .map((rs, ctx) -> new Pause(rs.getString(1), rs.getObject(2, OffsetDateTime.class).toInstant()))
                .findOne());
  }

  /**
   * Lists what running runners last reported, by projection, version and instance.
   *
   * @param name only this projection's runners, or null for all
   * @return the reports
   */
  public List<RunnerReport> runners(@Nullable String name) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT * FROM " + sql.runners + " WHERE (CAST(:name AS text) IS NULL OR name = :name)"
                        + " ORDER BY name, version, instance, owner")
                .bind("name", name)
                .map(
                    (rs, ctx) ->
                        new RunnerReport(
                            rs.getString("owner"),
                            rs.getString("name"),
                            rs.getInt("version"),
                            rs.getString("instance"),
                            rs.getString("source"),
                            rs.getString("state"),
                            parse(rs.getString("status")),
                            rs.getObject("started_at", OffsetDateTime.class).toInstant(),
                            rs.getObject("updated_at", OffsetDateTime.class).toInstant()))
                .list());
  }

  /** A claim older than this is taken to belong to an executor that died. */
  static final String STALE_CLAIM = "interval '10 minutes'";

  /**
   * Executes the oldest pending request that a predicate accepts: claims it ({@code PENDING} to
   * {@code RUNNING} in one statement, so that no other process takes it), runs the action outside
   * any transaction of the control table (so that what the action commits is visible to other
   * threads at once), and records the outcome: {@code DONE} with the action's answer, or {@code
   * FAILED} with its exception's message. A request left {@code RUNNING} for ten minutes by an
   * executor that died may be claimed again.
   *
   * @param name only this projection's requests, or null for any
   * @param accepts which requests this process can execute
   * @param executor who executes (recorded)
   * @param action does it and says what happened
   * @return the request as recorded, if one was executed
   */
  public Optional<ProjectionCommand> executeNext(
      @Nullable String name, Predicate<ProjectionCommand> accepts, String executor,
      Function<ProjectionCommand, String> action) {
    String claimable = "(status = 'PENDING' OR (status = 'RUNNING' AND executed_at < now() - " + STALE_CLAIM + "))";
    List<ProjectionCommand> pending =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        "SELECT * FROM " + sql.commands + " WHERE " + claimable
                            + " AND (CAST(:name AS text) IS NULL OR name = :name) ORDER BY id LIMIT 100")
                    .bind("name", name)
                    .map((rs, ctx) -> read(rs))
                    .list());
    for (ProjectionCommand candidate : pending) {
      if (!accepts.test(candidate)) {
        continue;
      }
      Optional<ProjectionCommand> claimed =
          jdbi.withHandle(
              h ->
                  h.createQuery(
                          "UPDATE " + sql.commands + " SET status = 'RUNNING', executed_by = :executor, executed_at = now()"
                              + " WHERE id = :id AND " + claimable + " RETURNING *")
                      .bind("executor", executor)
                      .bind("id", candidate.id())
                      .map((rs, ctx) -> read(rs))
                      .findOne());
      if (claimed.isEmpty()) {
        continue;
      }
      String result;
      Status status;
      try {
        result = action.apply(claimed.get());
        status = Status.DONE;
      } catch (RuntimeException e) {
        result = e.getMessage() == null ? e.toString() : e.getMessage();
        status = Status.FAILED;
      }
      String outcome = result;
      Status ended = status;
      ProjectionCommand c =
          jdbi.withHandle(
              h ->
                  h.createQuery(
                          "UPDATE " + sql.commands + " SET status = :status, result = :result, executed_at = now()"
                              + " WHERE id = :id RETURNING *")
                      .bind("status", ended.name())
                      .bind("result", outcome)
                      .bind("id", candidate.id())
                      .map((rs, ctx) -> read(rs))
                      .one());
      LOG.info("projection {} v{}: command {} {} {} by {}: {}", c.projection(), c.version(), c.id(), c.command(), c.status(), executor, c.result());
      return Optional.of(c);
    }
    return Optional.empty();
  }

  /** Records what a runner reports about itself (upsert). */
  void report(Handle h, String owner, ProjectionSpec spec, String instance, String source, String state, Map<String, Object> status) {
    h.createUpdate(
            "INSERT INTO " + sql.runners + " (owner, name, version, instance, source, state, status)"
                + " VALUES (:owner, :name, :version, :instance, :source, :state, :status) ON CONFLICT (owner) DO UPDATE"
                + " SET state = excluded.state, status = excluded.status, updated_at = now()")
        .bind("owner", owner)
        .bind("name", spec.name())
        .bind("version", spec.version())
        .bind("instance", instance)
        .bind("source", source)
        .bind("state", state)
        .bind("status", write(status))
        .execute();
  }

  /** Forgets a stopped runner's report. */
  void forget(String owner) {
    jdbi.useHandle(h -> h.createUpdate("DELETE FROM " + sql.runners + " WHERE owner = :owner").bind("owner", owner).execute());
  }

  Jdbi jdbi() {
    return jdbi;
  }

  Sql sql() {
    return sql;
  }

  private static ProjectionCommand read(ResultSet rs) throws SQLException {
    OffsetDateTime executedAt = rs.getObject("executed_at", OffsetDateTime.class);
    return new ProjectionCommand(
        rs.getLong("id"),
        rs.getString("name"),
        rs.getInt("version"),
        Type.valueOf(rs.getString("command")),
        parse(rs.getString("arguments")),
        rs.getString("requested_by"),
        rs.getObject("requested_at", OffsetDateTime.class).toInstant(),
        Status.valueOf(rs.getString("status")),
        rs.getString("result"),
        rs.getString("executed_by"),
        executedAt == null ? null : executedAt.toInstant());
  }

  private static String write(Map<String, Object> value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("arguments are not JSON values: " + value, e);
    }
  }

  private static Map<String, Object> parse(String json) {
    try {
      return JSON.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (JsonProcessingException e) {
      throw ProjectionException.of("reading control arguments " + json, e);
    }
  }
}
