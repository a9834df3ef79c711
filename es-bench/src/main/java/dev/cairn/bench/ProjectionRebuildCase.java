package dev.cairn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.api.EventEnvelope;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.api.RecordedEvent;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.Projections;
import dev.cairn.projections.ReadModel;
import dev.cairn.projections.StoreProjectionRunner;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;

/**
 * Rebuilding a read model from the start, events/s, in two rows over the same pre-appended events,
 * in batches of {@value #PAGE}. A repetition is one rebuild of all the events, not a timed window;
 * it is timed from the runner's start (the projection's tables already installed) or the
 * baseline's first read, until everything is applied and committed.
 *
 * <ul>
 *   <li>{@code projection_rebuild}: a store-fed {@link StoreProjectionRunner} building a fresh
 *       {@link dev.cairn.projections.BatchProjection} (new name per repetition), which folds each
 *       batch per account in Java and writes it with one multi-row upsert ({@code unnest} of
 *       arrays), against a raw JDBC loop that pages through the same events with the same keyset
 *       and fence, reads each payload into its record with Jackson, folds the page the same way
 *       and runs the same multi-row upsert, with a checkpoint row, one transaction per page. Both
 *       sides run the same fold and the same statement, so the ratio is Cairn's overhead.
 *   <li>{@code projection_rebuild_per_event}: the same with a projection written per event (one
 *       upsert per event, as a handler of {@link Projections.Builder#on} does) against the raw loop
 *       running the same upsert per event. Only in the full run: it would take --quick past its
 *       budget.
 * </ul>
 *
 * <p>The baseline writes a checkpoint row per page, as any loop that can resume must; Cairn
 * additionally takes the version's advisory lock, locks its checkpoint row, looks for parked
 * events of the batch's streams and runs each batch under a savepoint.
 */
final class ProjectionRebuildCase implements BenchCase {

  static final int PAGE = 1000;
  /** The target for the batched row on this 2-core machine. */
  static final double TARGET = 40_000;
  private static final Duration TIMEOUT = Duration.ofMinutes(5);

  /** The read model's DDL; {@code {table}} is the table's name. */
  private static final String DDL =
      "CREATE TABLE {table} (account text PRIMARY KEY, owner text, balance bigint NOT NULL, events bigint NOT NULL)";

  private static final String RAW_PAGE =
      "SELECT global_position, tx_id::text AS tx_text, stream_id, event_type, payload::text FROM cairn.events"
          + " WHERE (tx_id, global_position) > (CAST(CAST(? AS text) AS xid8), ?)"
          + " AND tx_id < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY tx_id, global_position LIMIT ?";

  @Override
  public String name() {
    return "projection_rebuild";
  }

  @Override
  public String description() {
    return "rebuild a read model from the start through the store-fed runner and a batch projection vs a raw JDBC"
        + " loop that folds and upserts each page the same way (and, in the full run, both per event)";
  }

  @Override
  public List<Result> run(BenchContext ctx) throws Exception {
    int events = ctx.settings().quick() ? 20_000 : 100_000;
    JacksonEventSerializer serializer = Accounts.serializer();
    ObjectMapper mapper = JacksonEventSerializer.defaultMapper();
    try (PostgresDatabase db = ctx.database(name());
        HikariDataSource pool = ctx.pool(db, name())) {
      JdbcEventStore store =
          JdbcEventStore.builder(pool).schema("cairn").meterRegistry(new SimpleMeterRegistry()).build();
      store.migrate();
      List<RecordedEvent> all = Prefill.accounts(store, events);
      Totals expected = expected(all, serializer);
      ctx.log().printf("  appended %d events; every repetition, and the warm-up, rebuilds from all of them once"
          + " (the times below do not apply)%n", all.size());
      ProjectionManager manager = ProjectionManager.create(store, serializer);
      manager.migrate();
      try (Connection c = pool.getConnection();
          Statement s = c.createStatement()) {
        s.execute("CREATE SCHEMA raw");
        s.execute("CREATE TABLE raw.checkpoints (name text PRIMARY KEY, tx_id xid8 NOT NULL, position bigint NOT NULL)");
      }
      AtomicInteger runs = new AtomicInteger();

      Measure<Double> cairn = d -> {
        Projection p = balances("balances_" + runs.incrementAndGet());
        manager.install(p);
        return rebuild(manager, p, pool, all.size(), expected);
      };
      Measure<Double> raw = d -> {
        String table = "raw.balances_" + runs.incrementAndGet();
        return rawSide(pool, table, all.size(), expected, c -> rawRebuild(c, mapper, table, false));
      };

      Measure<Double> cairnBatched = d -> {
        Projection p = batchedBalances("balances_" + runs.incrementAndGet());
        manager.install(p);
        return rebuild(manager, p, pool, all.size(), expected);
      };
      Measure<Double> rawBatched = d -> {
        String table = "raw.balances_" + runs.incrementAndGet();
        return rawSide(pool, table, all.size(), expected, c -> rawRebuild(c, mapper, table, true));
      };
      double[] batched = Interleaved.throughput(ctx.settings(), ctx.log(), name(), cairnBatched, rawBatched);
      double ratio = batched[0] / batched[1];
      List<Result> results = new java.util.ArrayList<>();
      results.add(
          new Result(name(), "events/s", batched[0], batched[1], ratio, null, null,
              "cairn >= " + TARGET + " events/s, ratio >= 0.5", batched[0] >= TARGET && ratio >= 0.5,
              all.size() + " events, " + PAGE + "/tx, folded per account, 1 multi-row upsert per batch;"
                  + " StoreProjectionRunner + BatchProjection vs raw JDBC keyset page + Jackson + the same fold"
                  + " and upsert + checkpoint per page",
              null));
      // The per-event row costs half a minute more; --quick keeps to its budget without it.
      if (!ctx.settings().quick()) {
        double[] perEvent = Interleaved.throughput(ctx.settings(), ctx.log(), name() + "_per_event", cairn, raw);
        results.add(
            Result.throughput(name() + "_per_event", perEvent[0], perEvent[1], 0.5,
                all.size() + " events, " + PAGE + "/tx, 1 upsert per event; StoreProjectionRunner vs raw JDBC keyset"
                    + " page + Jackson + upsert per event + checkpoint per page"));
      }
      return results;
    }
  }

  /** Runs a store-fed runner of an installed projection until it caught up; returns events/s. */
  private static double rebuild(
      ProjectionManager manager, Projection p, HikariDataSource pool, int events, Totals expected) throws SQLException {
    long elapsed;
    try (StoreProjectionRunner runner = manager.storeRunner(p).batchSize(PAGE).build()) {
      long start = System.nanoTime();
      runner.start();
      if (!runner.awaitCaughtUp(TIMEOUT)) {
        throw new IllegalStateException(
            "runner of " + p.spec() + " did not catch up within " + TIMEOUT + ": " + runner.status());
      }
      elapsed = System.nanoTime() - start;
    }
    check("cairn", totals(pool, manager.readModel(p.spec()).table()), expected);
    return events / (elapsed / 1e9);
  }

  /** One side of the baseline: a loop over a connection of its own. */
  @FunctionalInterface
  private interface RawLoop {
    void run(Connection c) throws SQLException, java.io.IOException;
  }

  /** Creates the baseline's table, runs its loop and checks its read model; returns events/s. */
  private static double rawSide(HikariDataSource pool, String table, int events, Totals expected, RawLoop loop)
      throws SQLException, java.io.IOException {
    try (Connection c = pool.getConnection()) {
      try (Statement s = c.createStatement()) {
        s.execute(DDL.replace("{table}", table));
      }
      long start = System.nanoTime();
      loop.run(c);
      long elapsed = System.nanoTime() - start;
      c.setAutoCommit(true);
      check("raw", totals(pool, table), expected);
      return events / (elapsed / 1e9);
    }
  }

  /**
   * The batched balances projection: one batch handler for both event types (a handler of the
   * sealed interface gets the whole batch as one run), which folds the batch per account and
   * writes it with one multi-row upsert.
   */
  private static Projection batchedBalances(String name) {
    return Projections.builder(name, 1)
        .table(DDL)
        .onBatch(Accounts.Event.class, (events, h, m) -> {
          Map<String, Change> changes = new LinkedHashMap<>();
          for (EventEnvelope<Accounts.Event> e : events) {
            fold(changes, e.streamId(), e.event());
          }
          try {
            upsert(h.getConnection(), m.table(), changes);
          } catch (SQLException ex) {
            throw new IllegalStateException("upsert into " + m.table() + " failed", ex);
          }
        })
        .build();
  }

  /**
   * What a batch changes in one account's row. The events are folded per account first: a
   * multi-row upsert may not touch one row twice.
   */
  private static final class Change {
    private @Nullable String owner;
    private long balance;
    private long events;
  }

  /** Folds one event into its account's change; both sides fold with this. */
  private static void fold(Map<String, Change> changes, String account, Accounts.Event event) {
    Change c = changes.computeIfAbsent(account, a -> new Change());
    if (event instanceof Accounts.Opened o) {
      c.owner = o.owner();
    } else if (event instanceof Accounts.Deposited d) {
      c.balance += d.amount();
    }
    c.events++;
  }

  /** One row per account: inserted, or added to the row there (an owner only if the batch opened it). */
  private static final String BATCH_UPSERT =
      """
      INSERT INTO %s AS t (account, owner, balance, events)
      SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[])
      ON CONFLICT (account) DO UPDATE SET owner = coalesce(excluded.owner, t.owner),
        balance = t.balance + excluded.balance, events = t.events + excluded.events""";

  /** Writes a batch's changes with one statement; both sides write with this. */
  private static void upsert(Connection c, String table, Map<String, Change> changes) throws SQLException {
    if (changes.isEmpty()) {
      return;
    }
    int n = changes.size();
    String[] accounts = new String[n];
    @Nullable String[] owners = new String[n];
    Long[] balances = new Long[n];
    Long[] events = new Long[n];
    int i = 0;
    for (Map.Entry<String, Change> e : changes.entrySet()) {
      accounts[i] = e.getKey();
      owners[i] = e.getValue().owner;
      balances[i] = e.getValue().balance;
      events[i] = e.getValue().events;
      i++;
    }
    try (PreparedStatement ps = c.prepareStatement(BATCH_UPSERT.formatted(table))) {
      ps.setArray(1, c.createArrayOf("text", accounts));
      ps.setArray(2, c.createArrayOf("text", owners));
      ps.setArray(3, c.createArrayOf("bigint", balances));
      ps.setArray(4, c.createArrayOf("bigint", events));
      ps.executeUpdate();
    }
  }

  /** The balances projection: one row per account, its owner, balance and event count. */
  private static Projection balances(String name) {
    return Projections.builder(name, 1)
        .table(DDL)
        .on(Accounts.Opened.class, (e, h, m) -> opened(h, m, e.streamId(), e.event().owner()))
        .on(Accounts.Deposited.class, (e, h, m) -> deposited(h, m, e.streamId(), e.event().amount()))
        .build();
  }

  /** The same statement text on both sides: Jdbi binds {@code ?} by position as JDBC does. */
  private static String openedSql(String table) {
    return "INSERT INTO " + table + " AS t (account, owner, balance, events) VALUES (?, ?, 0, 1)"
        + " ON CONFLICT (account) DO UPDATE SET owner = excluded.owner, events = t.events + 1";
  }

  private static String depositedSql(String table) {
    return "INSERT INTO " + table + " AS t (account, balance, events) VALUES (?, ?, 1)"
        + " ON CONFLICT (account) DO UPDATE SET balance = t.balance + excluded.balance, events = t.events + 1";
  }

  private static void opened(Handle h, ReadModel m, String account, String owner) {
    h.createUpdate(openedSql(m.table())).bind(0, account).bind(1, owner).execute();
  }

  private static void deposited(Handle h, ReadModel m, String account, long amount) {
    h.createUpdate(depositedSql(m.table())).bind(0, account).bind(1, amount).execute();
  }

  /**
   * The baseline: page, read each payload with Jackson, then either upsert per event or fold the
   * page per account and upsert it at once; checkpoint, commit.
   */
  private static void rawRebuild(Connection c, ObjectMapper mapper, String table, boolean batched)
      throws SQLException, java.io.IOException {
    String name = table.substring("raw.".length());
    try (PreparedStatement read = c.prepareStatement(RAW_PAGE);
        PreparedStatement opened = c.prepareStatement(openedSql(table));
        PreparedStatement deposited = c.prepareStatement(depositedSql(table));
        PreparedStatement checkpoint =
            c.prepareStatement(
                "INSERT INTO raw.checkpoints (name, tx_id, position) VALUES (?, CAST(CAST(? AS text) AS xid8), ?)"
                    + " ON CONFLICT (name) DO UPDATE SET tx_id = excluded.tx_id, position = excluded.position")) {
      c.setAutoCommit(false);
      String tx = "0";
      long position = 0;
      while (true) {
        read.setString(1, tx);
        read.setLong(2, position);
        read.setInt(3, PAGE);
        int n = 0;
        Map<String, Change> changes = new LinkedHashMap<>();
        try (ResultSet rs = read.executeQuery()) {
          while (rs.next()) {
            position = rs.getLong(1);
            tx = rs.getString(2);
            String account = rs.getString(3);
            Accounts.Event event =
                switch (rs.getString(4)) {
                  case "Opened" -> mapper.readValue(rs.getString(5), Accounts.Opened.class);
                  case "Deposited" -> mapper.readValue(rs.getString(5), Accounts.Deposited.class);
                  default -> throw new IllegalStateException("unknown event type " + rs.getString(4));
                };
            if (batched) {
              fold(changes, account, event);
            } else if (event instanceof Accounts.Opened o) {
              opened.setString(1, account);
              opened.setString(2, o.owner());
              opened.executeUpdate();
            } else if (event instanceof Accounts.Deposited dep) {
              deposited.setString(1, account);
              deposited.setLong(2, dep.amount());
              deposited.executeUpdate();
            }
            n++;
          }
        }
        upsert(c, table, changes);
        if (n > 0) {
          checkpoint.setString(1, name);
          checkpoint.setString(2, tx);
          checkpoint.setLong(3, position);
          checkpoint.executeUpdate();
        }
        c.commit();
        if (n < PAGE) {
          return;
        }
      }
    }
  }

  /** What a read model holds in sum: rows, events applied, total balance. */
  private record Totals(long rows, long events, long balance) {}

  private static Totals expected(List<RecordedEvent> all, JacksonEventSerializer serializer) {
    long balance = 0;
    java.util.Set<String> accounts = new java.util.HashSet<>();
    for (RecordedEvent r : all) {
      accounts.add(r.streamId());
      if (serializer.deserialize(r) instanceof Accounts.Deposited d) {
        balance += d.amount();
      }
    }
    return new Totals(accounts.size(), all.size(), balance);
  }

  private static Totals totals(HikariDataSource pool, String table) throws SQLException {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*), sum(events), sum(balance) FROM " + table)) {
      rs.next();
      return new Totals(rs.getLong(1), rs.getLong(2), rs.getLong(3));
    }
  }

  /** Fails the case if a side's read model is not the fold of every event exactly once. */
  private static void check(String side, Totals actual, Totals expected) {
    if (!actual.equals(expected)) {
      throw new IllegalStateException(side + " read model holds " + actual + " but the events fold to " + expected);
    }
  }
}
