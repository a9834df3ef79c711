package dev.cairn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.api.Loaded;
import dev.cairn.api.NewEvent;
import dev.cairn.api.SerializedEvent;
import dev.cairn.bench.Accounts.Account;
import dev.cairn.bench.Accounts.Command;
import dev.cairn.bench.Accounts.Event;
import dev.cairn.store.jdbc.JdbcAggregateRepository;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Loading the state of a 1000-event aggregate, p50/p99: Cairn's repository without snapshot or
 * cache, from a snapshot, and from its cache; each against the same raw baseline, a {@code SELECT
 * ... WHERE stream_id = ? ORDER BY version} of the same rows with every payload read into its
 * record by Jackson and folded by the same evolve function.
 */
final class LoadCase implements BenchCase {

  static final int EVENTS = 1000;
  private static final String STREAM = "acct-load-1000";

  @Override
  public String name() {
    return "load_1000";
  }

  @Override
  public String description() {
    return "load a " + EVENTS + "-event aggregate without snapshot, with snapshot, from cache; vs raw SELECT + Jackson";
  }

  @Override
  public List<Result> run(BenchContext ctx) throws Exception {
    List<Result> results = new ArrayList<>();
    JacksonEventSerializer serializer = Accounts.serializer();
    try (PostgresDatabase db = ctx.database(name());
        HikariDataSource pool = ctx.pool(db, name())) {
      JdbcEventStore store =
          JdbcEventStore.builder(pool).schema("cairn").meterRegistry(new SimpleMeterRegistry()).build();
      store.migrate();
      writeAggregate(store, serializer);
      store.jdbi().useHandle(h -> h.execute("ANALYZE"));

      Measure.Op raw = rawLoad(pool, JacksonEventSerializer.defaultMapper());
      check("raw baseline", raw);

      try (JdbcAggregateRepository<Command, Account, Event> plain =
              store.repository(Accounts.STREAM_TYPE, Accounts.DECIDER).serializer(serializer).cacheSize(0).build();
          JdbcAggregateRepository<Command, Account, Event> snapshotted =
              store.repository(Accounts.STREAM_TYPE, Accounts.DECIDER).serializer(serializer).cacheSize(0)
                  .snapshots(Account.class, 1).snapshotEvery(100).build();
          JdbcAggregateRepository<Command, Account, Event> cached =
              store.repository(Accounts.STREAM_TYPE, Accounts.DECIDER).serializer(serializer).cacheSize(1000).build()) {

        results.add(measure(ctx, "load_1000_nosnap", cairnLoad(plain), raw, 10,
            "cacheSize 0, no snapshots: 1 query + " + EVENTS + " Jackson reads vs raw SELECT + Jackson"));

        // The first load folds 1000 events and queues a snapshot at version 1000; later loads
        // read the snapshot and the (no) newer events.
        cairnLoad(snapshotted).run(0);
        snapshotted.flushSnapshots();
        long snapshotVersion =
            store.jdbi().withHandle(h -> h.createQuery("SELECT version FROM cairn.snapshots WHERE stream_id = :id")
                .bind("id", STREAM).mapTo(Long.class).findOne().orElse(0L));
        if (snapshotVersion != EVENTS) {
          throw new IllegalStateException("expected a snapshot at version " + EVENTS + " but found " + snapshotVersion);
        }
        results.add(measure(ctx, "load_1000_snapshot", cairnLoad(snapshotted), raw, 1,
            "cacheSize 0, snapshot at v" + EVENTS + ": snapshot + newer-events queries vs raw full replay"));

        cairnLoad(cached).run(0);
        results.add(measure(ctx, "load_1000_cache", cairnLoad(cached), raw, 1,
            "cache hit + newer-events query vs raw full replay"));
      }
    }
    return results;
  }

  private Result measure(BenchContext ctx, String row, Measure.Op cairn, Measure.Op raw, double maxP50Ms, String note)
      throws Exception {
    check(row, cairn);
    int max = ctx.settings().maxLatencySamples();
    Latency[] l =
        Interleaved.latency(ctx.settings(), ctx.log(), row, Measure.latency(20, max, cairn), Measure.latency(20, max, raw));
    return Result.latency(row, l[0], l[1], maxP50Ms, note);
  }

  /** Writes the aggregate: one Opened, then deposits, in appends of 100. */
  private static void writeAggregate(JdbcEventStore store, JacksonEventSerializer serializer) {
    long version = 0;
    while (version < EVENTS) {
      List<NewEvent> events = new ArrayList<>();
      for (int i = 0; i < 100 && version + events.size() < EVENTS; i++) {
        long n = version + events.size() + 1;
        Object e = n == 1 ? new Accounts.Opened("owner-1") : new Accounts.Deposited(100 + n % 900, "ref-" + n);
        SerializedEvent s = serializer.serialize(e);
        events.add(new NewEvent(UUID.randomUUID(), s.eventType(), s.revision(), s.json(), EventMetadata.EMPTY));
      }
      store.append(new AppendRequest(STREAM, Accounts.STREAM_TYPE, version, events));
      version += events.size();
    }
  }

  private static Measure.Op cairnLoad(JdbcAggregateRepository<Command, Account, Event> repo) {
    return t -> {
      Loaded<Account> loaded = repo.load(STREAM);
      return loaded.state().events();
    };
  }

  /** The raw baseline: one query, each payload read into its record by Jackson, folded. */
  private static Measure.Op rawLoad(HikariDataSource pool, ObjectMapper mapper) {
    String sql = "SELECT event_type, payload FROM cairn.events WHERE stream_id = ? ORDER BY version";
    return t -> {
      Account state = Account.NONE;
      try (Connection c = pool.getConnection();
          PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setString(1, STREAM);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            Class<? extends Event> type =
                switch (rs.getString(1)) {
                  case "Opened" -> Accounts.Opened.class;
                  case "Deposited" -> Accounts.Deposited.class;
                  default -> throw new IllegalStateException("unknown event type " + rs.getString(1));
                };
            state = Accounts.DECIDER.evolve(state, mapper.readValue(rs.getString(2), type));
          }
        }
      }
      return state.events();
    };
  }

  /** Runs a side once and checks that it folded the whole aggregate, so no side measures less. */
  private static void check(String what, Measure.Op op) throws Exception {
    long events = op.run(0);
    if (events != EVENTS) {
      throw new IllegalStateException(what + " folded " + events + " events, not " + EVENTS);
    }
  }
}
