package dev.cairn.admin;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.spi.Checks;
import dev.cairn.api.spi.SetOnce;
import dev.cairn.bus.kafka.RelayDiagnostics;
import dev.cairn.store.jdbc.FenceDelay;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.store.jdbc.OpenTransaction;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;

/**
 * Runs every check that explains a stall of a store, its relay and its projection runners, from
 * the database (and Kafka, when its settings are given) alone, so it works from another process
 * than the one that stalls: a transaction or prepared transaction holding the global-order fence,
 * who holds the relay's lock, transaction ids that went backwards, the position topic's cleanup
 * policy, event size limits against the topics', parked events, and runners that stopped
 * committing while they lag.
 *
 * <pre>{@code
 * List<Doctor.Finding> findings = Doctor.builder(store)
 *     .kafkaSettings(Map.of("bootstrap.servers", "kafka:9092"))
 *     .build()
 *     .run();
 * boolean healthy = findings.stream().noneMatch(f -> f.severity() == Doctor.Severity.PROBLEM);
 * }</pre>
 */
public final class Doctor {

  /** How bad a finding is. */
  public enum Severity {
    /** The check passed. */
    OK,
    /** Worth a look, but nothing stalls because of it. */
    WARNING,
    /** It explains (or will cause) a stall. */
    PROBLEM,
    /** The check could not run (no Kafka settings, no such table yet). */
    SKIPPED
  }

  /**
   * One check's verdict.
   *
   * @param check the check's name, e.g. {@code fence}
   * @param severity how bad it is
   * @param message what was found, with the values, and what to do about it
   */
  public record Finding(String check, Severity severity, String message) {}

  private final JdbcEventStore store;
  private final Map<String, Object> kafkaSettings;
  private final String topicPrefix;
  private final Duration fenceHeldAfter;
  private final Duration stalledAfter;

  private Doctor(Builder b) {
    this.store = b.store;
    this.kafkaSettings = Map.copyOf(b.kafkaSettings);
    this.topicPrefix = b.topicPrefix;
    this.fenceHeldAfter = b.fenceHeldAfter;
    this.stalledAfter = b.stalledAfter;
  }

  /**
   * Starts configuring the checks of a store.
   *
   * @param store the store (its schema and table prefix name every table checked)
   * @return a builder
   * @throws NullPointerException if the store is null
   */
  public static Builder builder(JdbcEventStore store) {
    return new Builder(store);
  }

  /**
   * Runs every check, each independently: one that fails to run is reported as a problem naming
   * the error, and the others still run.
   *
   * @return the findings, in a fixed order of checks
   */
  public List<Finding> run() {
    List<Finding> findings = new ArrayList<>();
    guarded(findings, "fence", this::fence);
    guarded(findings, "relay-lock", this::relayLock);
    guarded(findings, "relay-progress", this::relayProgress);
    guarded(findings, "positions", this::positionsAhead);
    guarded(findings, "parked", this::parked);
    guarded(findings, "store-runners", this::storeRunners);
    if (kafkaSettings.isEmpty()) {
      String why = "needs Kafka: give --bootstrap-servers (or CAIRN_BOOTSTRAP_SERVERS)";
      findings.add(new Finding("kafka-runners", Severity.SKIPPED, why));
      findings.add(new Finding("position-topic", Severity.SKIPPED, why));
      findings.add(new Finding("event-size", Severity.SKIPPED, why));
    } else {
      Admin admin = Admin.create(adminSettings());
      try {
        // One bounded probe first, so an unreachable broker costs seconds, not a timeout per check.
        try {
          admin.describeCluster(new DescribeClusterOptions().timeoutMs(10_000)).clusterId().get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
          Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
          findings.add(new Finding("kafka", Severity.PROBLEM, "cannot reach Kafka at "
              + kafkaSettings.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG) + ": " + cause
              + "; the relay and Kafka-fed runners cannot make progress either"));
          return findings;
        }
        KafkaChecks kafka = new KafkaChecks(store, admin, topicPrefix, stalledAfter);
        guarded(findings, "kafka-runners", kafka::runners);
        guarded(findings, "position-topic", kafka::positionTopic);
        guarded(findings, "event-size", kafka::eventSize);
      } finally {
        admin.close(Duration.ofSeconds(5));
      }
    }
    return findings;
  }

  private interface Check {
    List<Finding> run() throws Exception;
  }

  private static void guarded(List<Finding> findings, String name, Check check) {
    try {
      findings.addAll(check.run());
    } catch (Exception e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      findings.add(new Finding(name, Severity.PROBLEM, "the check failed: " + cause));
    }
  }

  private List<Finding> fence() {
    Optional<OpenTransaction> open = store.oldestOpenTransaction();
    if (open.isEmpty()) {
      return List.of(new Finding("fence", Severity.OK, "no open or prepared transaction holds the global-order fence"));
    }
    OpenTransaction t = open.get();
    FenceDelay delay = store.fenceDelay();
    boolean prepared = t.pid() == 0;
    String who = prepared
        ? "a prepared transaction (" + t.state() + ") in database " + t.database()
        : "pid " + t.pid() + " in database " + t.database() + " (state '" + t.state() + "', query '"
            + oneLine(t.query()) + "')";
    String text = who + " has held the global-order fence for " + seconds(t.age()) + "; "
        + delay.eventsWaiting() + " committed event(s) wait behind it";
    if (t.age().compareTo(fenceHeldAfter) < 0) {
      return List.of(new Finding("fence", Severity.OK, text + " (younger than " + seconds(fenceHeldAfter) + ")"));
    }
    String fix = prepared
        ? "finish it with COMMIT PREPARED or ROLLBACK PREPARED and its gid"
        : "end it with SELECT pg_terminate_backend(" + t.pid() + ")";
    return List.of(new Finding("fence", Severity.PROBLEM, text + ": readers, the relay and store-fed runners wait; " + fix));
  }

  private record LockHolder(int pid, @Nullable String application, String client, @Nullable OffsetDateTime since) {}

  private record RelayRow(String transactionalId, GlobalPosition position, OffsetDateTime updatedAt) {}

  private List<RelayRow> relayRows(Handle h) {
    if (!exists(h, "relay_positions")) {
      return List.of();
    }
    return h.createQuery("SELECT transactional_id, tx_id, global_position, updated_at FROM "
            + store.qualifiedTable("relay_positions") + " ORDER BY transactional_id")
        .map((rs, ctx) -> new RelayRow(rs.getString(1), new GlobalPosition(rs.getLong(2), rs.getLong(3)),
            rs.getObject(4, OffsetDateTime.class)))
        .list();
  }

  private List<Finding> relayLock() {
    long key = RelayDiagnostics.lockKey(store);
    return store.jdbi().withHandle(h -> {
      List<LockHolder> holders = h.createQuery("""
              SELECT l.pid, a.application_name, coalesce(host(a.client_addr), 'local socket'), a.backend_start
              FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
              WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                AND l.classid = CAST(:hi AS oid) AND l.objid = CAST(:lo AS oid)
                AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())""")
          .bind("hi", key >>> 32)
          .bind("lo", key & 0xffffffffL)
          .map((rs, ctx) -> new LockHolder(rs.getInt(1), rs.getString(2), rs.getString(3),
              rs.getObject(4, OffsetDateTime.class)))
          .list();
      if (!holders.isEmpty()) {
        LockHolder l = holders.get(0);
        return List.of(new Finding("relay-lock", Severity.OK, "the relay lock is held by pid " + l.pid()
            + " (application '" + l.application() + "', client " + l.client() + ", connected since " + l.since() + ")"));
      }
      List<RelayRow> relays = relayRows(h);
      if (relays.isEmpty()) {
        return List.of(new Finding("relay-lock", Severity.WARNING,
            "no process holds the relay lock and no relay has published from this store yet"));
      }
      GlobalPosition last = relays.stream().map(RelayRow::position).max(GlobalPosition::compareTo).orElseThrow();
      long behind = store.countAfter(last);
      if (behind == 0) {
        return List.of(new Finding("relay-lock", Severity.WARNING,
            "no process holds the relay lock (no relay runs); nothing waits to be published"));
      }
      return List.of(new Finding("relay-lock", Severity.PROBLEM, "no process holds the relay lock, so no relay runs, and "
          + behind + " event(s) after " + last + " wait to be published: start the service that runs the relay"));
    });
  }

  private List<Finding> relayProgress() {
    List<RelayRow> relays = store.jdbi().withHandle(this::relayRows);
    if (relays.isEmpty()) {
      return List.of(new Finding("relay-progress", Severity.SKIPPED, "no relay has published from this store yet"));
    }
    List<Finding> out = new ArrayList<>();
    for (RelayRow r : relays) {
      long behind = store.countAfter(r.position());
      Duration idle = Duration.between(r.updatedAt().toInstant(), Instant.now());
      if (behind > 0 && idle.compareTo(stalledAfter) > 0) {
        out.add(new Finding("relay-progress", Severity.PROBLEM, "relay " + r.transactionalId() + " last committed "
            + r.position() + " " + seconds(idle) + " ago and " + behind + " event(s) wait behind it: see its status"
            + " (cairn relay status) and the service's log for the cause"));
      } else {
        out.add(new Finding("relay-progress", Severity.OK, "relay " + r.transactionalId() + " at " + r.position() + ", "
            + behind + " event(s) behind"));
      }
    }
    return out;
  }

  private record Reader(String what, GlobalPosition position) {}

  private List<Finding> positionsAhead() {
    List<Reader> readers = store.jdbi().withHandle(h -> {
      List<Reader> all = new ArrayList<>();
      relayRows(h).forEach(r -> all.add(new Reader("relay " + r.transactionalId(), r.position())));
      if (exists(h, "projection_checkpoints")) {
        all.addAll(h.createQuery("SELECT name, version, tx_id, position FROM "
                + store.qualifiedTable("projection_checkpoints"))
            .map((rs, ctx) -> new Reader("projection " + rs.getString(1) + " v" + rs.getInt(2),
                new GlobalPosition(rs.getLong(3), rs.getLong(4))))
            .list());
      }
      if (exists(h, "projection_offsets")) {
        all.addAll(h.createQuery("SELECT name, version, max(last_tx_id), max(last_position) FROM "
                + store.qualifiedTable("projection_offsets") + " GROUP BY name, version")
            .map((rs, ctx) -> new Reader("projection " + rs.getString(1) + " v" + rs.getInt(2),
                new GlobalPosition(rs.getLong(3), rs.getLong(4))))
            .list());
      }
      return all;
    });
    List<Finding> out = new ArrayList<>();
    for (Reader r : readers) {
      store.positionAhead(r.position()).ifPresent(why -> out.add(new Finding("positions", Severity.PROBLEM,
          r.what() + ": " + why + " (transaction ids went backwards: see docs/global-order.md for the recovery)")));
    }
    if (out.isEmpty()) {
      out.add(new Finding("positions", Severity.OK, readers.size() + " reader position(s) lie within what the database"
          + " has committed (no transaction ids went backwards)"));
    }
    return out;
  }

  private List<Finding> parked() {
    return store.jdbi().withHandle(h -> {
      if (!exists(h, "projection_dead_letters")) {
        return List.of(new Finding("parked", Severity.SKIPPED, "no projection tables in this store yet"));
      }
      List<Finding> out = h.createQuery("""
              SELECT name, version, count(*) FILTER (WHERE status = 'PARKED'), count(*) FILTER (WHERE status = 'HELD'),
                min(parked_at), (array_agg(error ORDER BY id) FILTER (WHERE status = 'PARKED'))[1]
              FROM %s WHERE status IN ('PARKED', 'HELD') GROUP BY name, version ORDER BY name, version"""
              .formatted(store.qualifiedTable("projection_dead_letters")))
          .map((rs, ctx) -> new Finding("parked", Severity.PROBLEM, "projection " + rs.getString(1) + " v" + rs.getInt(2)
              + ": " + rs.getLong(3) + " event(s) parked and " + rs.getLong(4) + " held behind them since "
              + rs.getObject(5, OffsetDateTime.class) + " (first error: " + oneLine(rs.getString(6))
              + "): cairn dead-letters list --projection " + rs.getString(1)))
          .list();
      return out.isEmpty() ? List.of(new Finding("parked", Severity.OK, "no parked events")) : out;
    });
  }

  private record Checkpoint(String name, int version, GlobalPosition position, OffsetDateTime updatedAt) {}

  private List<Finding> storeRunners() {
    List<Checkpoint> checkpoints = store.jdbi().withHandle(h -> !exists(h, "projection_checkpoints")
        ? List.<Checkpoint>of()
        : h.createQuery("""
                SELECT c.name, c.version, c.tx_id, c.position, c.updated_at FROM %s c
                JOIN %s v ON v.name = c.name AND v.version = c.version WHERE v.status <> 'RETIRED'
                ORDER BY c.name, c.version"""
                .formatted(store.qualifiedTable("projection_checkpoints"), store.qualifiedTable("projection_versions")))
            .map((rs, ctx) -> new Checkpoint(rs.getString(1), rs.getInt(2),
                new GlobalPosition(rs.getLong(3), rs.getLong(4)), rs.getObject(5, OffsetDateTime.class)))
            .list());
    if (checkpoints.isEmpty()) {
      return List.of(new Finding("store-runners", Severity.SKIPPED, "no store-fed runner has a checkpoint"));
    }
    List<Finding> out = new ArrayList<>();
    for (Checkpoint c : checkpoints) {
      long lag = store.countAfter(c.position());
      Duration idle = Duration.between(c.updatedAt().toInstant(), Instant.now());
      String what = "store-fed runner of " + c.name() + " v" + c.version();
      if (lag > 0 && idle.compareTo(stalledAfter) > 0) {
        out.add(new Finding("store-runners", Severity.PROBLEM, what + " has not committed for " + seconds(idle)
            + " while " + lag + " event(s) wait: is it running, paused, or retrying an event?"));
      } else {
        out.add(new Finding("store-runners", Severity.OK, what + ": " + lag + " event(s) behind"));
      }
    }
    return out;
  }

  private Map<String, Object> adminSettings() {
    Map<String, Object> settings = new HashMap<>(kafkaSettings);
    settings.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "cairn-doctor");
    settings.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    settings.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    return settings;
  }

  private boolean exists(Handle h, String table) {
    return exists(store, h, table);
  }

  /** Whether one of the store's tables exists (a module that never ran has not created its own). */
  static boolean exists(JdbcEventStore store, Handle h, String table) {
    return h.createQuery("SELECT to_regclass(:t) IS NOT NULL").bind("t", store.qualifiedTable(table))
        .mapTo(Boolean.class).one();
  }

  static String seconds(Duration d) {
    return d.toSeconds() + " s";
  }

  private static String oneLine(@Nullable String text) {
    if (text == null) {
      return "";
    }
    String flat = text.replaceAll("\\s+", " ").trim();
    return flat.length() > 120 ? flat.substring(0, 117) + "..." : flat;
  }

  /**
   * Configures a {@link Doctor}; every setter checks its argument at once and refuses a second call,
   * naming the value set first.
   */
  public static final class Builder {
    private final JdbcEventStore store;
    private final SetOnce set = new SetOnce();
    private Map<String, Object> kafkaSettings = Map.of();
    private String topicPrefix = "";
    private Duration fenceHeldAfter = Duration.ofSeconds(10);
    private Duration stalledAfter = Duration.ofSeconds(60);

    private Builder(JdbcEventStore store) {
      this.store = requireNonNull(store, "store");
    }

    /**
     * Sets Kafka's settings (at least {@code bootstrap.servers}) for the checks that need the
     * broker; without them those checks are skipped.
     *
     * @param value raw Kafka admin client settings
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder kafkaSettings(Map<String, ?> value) {
      this.kafkaSettings = set.once("Kafka settings", Map.copyOf(requireNonNull(value, "kafkaSettings")));
      return this;
    }

    /**
     * Sets the relay's topic prefix (default none), to name its position topic and event topics.
     *
     * @param value the prefix
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder topicPrefix(String value) {
      this.topicPrefix = set.once("topic prefix", value);
      return this;
    }

    /**
     * Sets how long an appender may hold the fence before it is a problem (default 10 s).
     *
     * @param value a positive duration
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder fenceHeldAfter(Duration value) {
      this.fenceHeldAfter = set.once("fence held after", Checks.positive("fence held after", value));
      return this;
    }

    /**
     * Sets how long a lagging relay or runner may go without committing before it is a problem
     * (default 60 s).
     *
     * @param value a positive duration
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder stalledAfter(Duration value) {
      this.stalledAfter = set.once("stalled after", Checks.positive("stalled after", value));
      return this;
    }

    /**
     * Builds the doctor.
     *
     * @return the doctor
     */
    public Doctor build() {
      return new Doctor(this);
    }
  }
}
