package dev.cairn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
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
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Handle;

/**
 * Rebuilding a read model from the start, events/s: a store-fed {@link StoreProjectionRunner}
 * building a fresh projection (new name per repetition) over the same pre-appended events, in
 * batches of {@value #PAGE}, against a raw JDBC loop that pages through the same events with the
 * same keyset and fence, reads each payload into its record with Jackson, and runs the same
 * upsert per event, one transaction per page.
 *
 * <p>Both sides execute one statement per event: a projection's handlers are user code that runs
 * per event, so batching the statements (JDBC {@code addBatch}) would measure another design, not
 * Cairn's overhead. The baseline also writes a checkpoint row per page, as any loop that can
 * resume must; Cairn additionally takes the version's advisory lock, locks its checkpoint row and
 * runs each batch under a savepoint.
 *
 * <p>A repetition is one rebuild of all the events, not a timed window; it is timed from the
 * runner's start (the projection's tables already installed) or the baseline's first read, until
 * everything is applied and committed.
 */
final class ProjectionRebuildCase implements BenchCase {

  static final int PAGE = 1000;
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
    return "rebuild a read model from the start through the store-fed runner vs a raw JDBC page-and-upsert loop";
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
        return all.size() / (elapsed / 1e9);
      };

      Measure<Double> raw = d -> {
        String name = "balances_" + runs.incrementAndGet();
        String table = "raw." + name;
        try (Connection c = pool.getConnection();
            Statement s = c.createStatement()) {
          s.execute(DDL.replace("{table}", table));
        }
        long start = System.nanoTime();
        rawRebuild(pool, mapper, name, table);
        long elapsed = System.nanoTime() - start;
        check("raw", totals(pool, table), expected);
        return all.size() / (elapsed / 1e9);
      };

      double[] medians = Interleaved.throughput(ctx.settings(), ctx.log(), name(), cairn, raw);
      return List.of(
          Result.throughput(name(), medians[0], medians[1], 0.5,
              all.size() + " events, " + PAGE + "/tx, 1 upsert per event; StoreProjectionRunner vs raw JDBC keyset"
                  + " page + Jackson + upsert per event + checkpoint per page"));
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

  /** The baseline: page, read each payload with Jackson, upsert per event, checkpoint, commit. */
  private static void rawRebuild(HikariDataSource pool, ObjectMapper mapper, String name, String table)
      throws SQLException, java.io.IOException {
    try (Connection c = pool.getConnection();
        PreparedStatement read = c.prepareStatement(RAW_PAGE);
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
        try (ResultSet rs = read.executeQuery()) {
          while (rs.next()) {
            position = rs.getLong(1);
            tx = rs.getString(2);
            String account = rs.getString(3);
            switch (rs.getString(4)) {
              case "Opened" -> {
                Accounts.Opened o = mapper.readValue(rs.getString(5), Accounts.Opened.class);
                opened.setString(1, account);
                opened.setString(2, o.owner());
                opened.executeUpdate();
              }
              case "Deposited" -> {
                Accounts.Deposited dep = mapper.readValue(rs.getString(5), Accounts.Deposited.class);
                deposited.setString(1, account);
                deposited.setLong(2, dep.amount());
                deposited.executeUpdate();
              }
              default -> throw new IllegalStateException("unknown event type " + rs.getString(4));
            }
            n++;
          }
        }
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
