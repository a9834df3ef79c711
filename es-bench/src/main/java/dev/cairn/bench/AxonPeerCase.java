package dev.cairn.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.api.EventIds;
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
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jdbc.PostgresEventTableFactory;
import org.axonframework.serialization.json.JacksonSerializer;

/**
 * Cairn's store against a peer: Axon Framework 4's {@link JdbcEventStorageEngine} (its PostgreSQL
 * schema, made by its own {@link PostgresEventTableFactory}, in a database of its own on the same
 * server), side by side and interleaved. Both sides write the same event records with the same
 * one-entry metadata, serialized by Jackson (Axon's {@link JacksonSerializer}, not its XStream
 * default); each Axon append is one transaction on a Hikari pool of the same size as Cairn's
 * ({@link AxonTransactions}). Rows: 1 and 8 writers each on a stream of its own, 8 writers each
 * append to a new stream, 100 events per append, and loading a 1000-event aggregate (Axon's
 * storage engine read with its default batch size of 100, no snapshot query; Cairn's repository
 * without snapshots or cache); WAL bytes per event for every append row.
 */
final class AxonPeerCase implements BenchCase {

  private static final String LOAD_STREAM = "acct-peer-load-1000";

  /**
   * One append row.
   *
   * @param suffix the row's name after {@code axon_peer_}
   * @param writers how many writers append at once
   * @param batch events per append
   * @param newStreams whether every append starts a new stream
   */
  private record Variant(String suffix, int writers, int batch, boolean newStreams) {}

  private static final List<Variant> VARIANTS = List.of(
      new Variant("1w", 1, 1, false),
      new Variant("8w", 8, 1, false),
      new Variant("new_8w", 8, 1, true),
      new Variant("batch100", 1, 100, false));

  @Override
  public String name() {
    return "axon_peer";
  }

  @Override
  public String description() {
    return "store.append and a 1000-event load vs Axon 4's JdbcEventStorageEngine (Jackson) on the same server";
  }

  @Override
  public List<Result> run(BenchContext ctx) throws Exception {
    List<Result> results = new ArrayList<>();
    JacksonEventSerializer cairnSerializer = Accounts.serializer();
    ExecutorService workers = Executors.newFixedThreadPool(BenchContext.POOL_SIZE);
    try (PostgresDatabase cairnDb = ctx.database(name());
        HikariDataSource cairnPool = ctx.pool(cairnDb, name());
        PostgresDatabase axonDb = ctx.database(name() + "_axon");
        HikariDataSource axonPool = ctx.pool(axonDb, name() + "-axon")) {
      JdbcEventStore store =
          JdbcEventStore.builder(cairnPool).schema("cairn").meterRegistry(new SimpleMeterRegistry()).build();
      store.migrate();
      AxonTransactions tx = new AxonTransactions(axonPool);
      JacksonSerializer jackson = JacksonSerializer.defaultSerializer();
      JdbcEventStorageEngine axon = JdbcEventStorageEngine.builder()
          .connectionProvider(tx)
          .transactionManager(tx)
          .eventSerializer(jackson)
          .snapshotSerializer(jackson)
          .build();
      axon.createSchema(PostgresEventTableFactory.INSTANCE);

      for (Variant v : VARIANTS) {
        String row = name() + "_" + v.suffix();
        Measure.Op cairn = cairnAppend(store, cairnSerializer, row, v);
        Measure.Op peer = axonAppend(axon, row, v);
        Wal.Figures f = Wal.interleaved(ctx.settings(), ctx.log(), row,
            Wal.throughput(cairnPool, workers, v.writers(), cairn),
            Wal.throughput(axonPool, workers, v.writers(), peer));
        results.add(Result.throughput(row, f.cairn(), f.baseline(), 1.0,
            v.writers() + " writer(s), " + v.batch() + " event(s)/append"
                + (v.newStreams() ? ", each a new stream" : "")
                + "; store.append vs Axon JdbcEventStorageEngine.appendEvents, pools of " + BenchContext.POOL_SIZE)
            .withWal(f));
      }

      writeAggregate(store, cairnSerializer, axon);
      store.jdbi().useHandle(h -> h.execute("ANALYZE"));
      try (Connection c = axonPool.getConnection();
          Statement s = c.createStatement()) {
        s.execute("ANALYZE");
      }
      try (JdbcAggregateRepository<Command, Account, Event> repo =
          store.repository(Accounts.STREAM_TYPE, Accounts.DECIDER).serializer(cairnSerializer).cacheSize(0).build()) {
        Measure.Op cairnLoad = t -> {
          Loaded<Account> loaded = repo.load(LOAD_STREAM);
          return loaded.state().events();
        };
        Measure.Op axonLoad = t -> {
          Account state = Account.NONE;
          DomainEventStream events = axon.readEvents(LOAD_STREAM);
          while (events.hasNext()) {
            DomainEventMessage<?> m = events.next();
            state = Accounts.DECIDER.evolve(state, (Event) m.getPayload());
          }
          return state.events();
        };
        check("cairn", cairnLoad);
        check("axon", axonLoad);
        String row = name() + "_load_1000";
        int max = ctx.settings().maxLatencySamples();
        Latency[] l = Interleaved.latency(ctx.settings(), ctx.log(), row,
            Measure.latency(20, max, cairnLoad), Measure.latency(20, max, axonLoad));
        results.add(Result.latencyRatio(row, l[0], l[1], 1.0,
            "load " + LoadCase.EVENTS + " events and fold: repository (no snapshot, no cache) vs Axon readEvents"
                + " (batches of 100, payloads read by its JacksonSerializer)"));
      }
    } finally {
      workers.shutdownNow();
    }
    return results;
  }

  /** Cairn's side of an append row: the record serialized by Cairn's Jackson serializer, then appended. */
  private static Measure.Op cairnAppend(JdbcEventStore store, JacksonEventSerializer serializer, String row,
      Variant v) {
    long[] versions = new long[v.writers()];
    long[] streams = new long[v.writers()];
    return t -> {
      long version = v.newStreams() ? 0 : versions[t];
      EventMetadata meta = EventMetadata.EMPTY.withCorrelationId(UUID.randomUUID().toString());
      List<NewEvent> events = new ArrayList<>(v.batch());
      for (int i = 1; i <= v.batch(); i++) {
        SerializedEvent s = serializer.serialize(deposit(version + i));
        events.add(new NewEvent(EventIds.next(), s.eventType(), s.revision(), s.json(), meta));
      }
      String stream = row + "-cairn-" + t + (v.newStreams() ? "-" + streams[t]++ : "");
      store.append(new AppendRequest(stream, Accounts.STREAM_TYPE, version, events));
      versions[t] = version + v.batch();
      return v.batch();
    };
  }

  /** Axon's side: the same records as domain event messages (sequence numbers from 0), one appendEvents call. */
  private static Measure.Op axonAppend(JdbcEventStorageEngine axon, String row, Variant v) {
    long[] next = new long[v.writers()];
    long[] streams = new long[v.writers()];
    return t -> {
      long first = v.newStreams() ? 0 : next[t];
      Map<String, String> meta = Map.of("correlation_id", UUID.randomUUID().toString());
      String aggregate = row + "-axon-" + t + (v.newStreams() ? "-" + streams[t]++ : "");
      List<DomainEventMessage<?>> events = new ArrayList<>(v.batch());
      for (int i = 0; i < v.batch(); i++) {
        events.add(new GenericDomainEventMessage<>(Accounts.STREAM_TYPE, aggregate, first + i, deposit(first + i + 1),
            meta));
      }
      axon.appendEvents(events);
      next[t] = first + v.batch();
      return v.batch();
    };
  }

  private static Accounts.Deposited deposit(long n) {
    return new Accounts.Deposited(100 + n % 900, String.format(java.util.Locale.ROOT, "ref-%08d", n));
  }

  /** Writes the same 1000-event aggregate on both sides: one Opened, then deposits, in appends of 100. */
  private static void writeAggregate(JdbcEventStore store, JacksonEventSerializer serializer,
      JdbcEventStorageEngine axon) {
    long version = 0;
    while (version < LoadCase.EVENTS) {
      List<NewEvent> events = new ArrayList<>();
      List<DomainEventMessage<?>> messages = new ArrayList<>();
      for (int i = 0; i < 100 && version + i < LoadCase.EVENTS; i++) {
        long n = version + i + 1;
        Event e = n == 1 ? new Accounts.Opened("owner-1") : new Accounts.Deposited(100 + n % 900, "ref-" + n);
        SerializedEvent s = serializer.serialize(e);
        events.add(new NewEvent(UUID.randomUUID(), s.eventType(), s.revision(), s.json(), EventMetadata.EMPTY));
        messages.add(new GenericDomainEventMessage<>(Accounts.STREAM_TYPE, LOAD_STREAM, n - 1, e));
      }
      store.append(new AppendRequest(LOAD_STREAM, Accounts.STREAM_TYPE, version, events));
      axon.appendEvents(messages);
      version += events.size();
    }
  }

  /** Runs a side once and checks that it folded the whole aggregate, so no side measures less. */
  private static void check(String what, Measure.Op op) throws Exception {
    long events = op.run(0);
    if (events != LoadCase.EVENTS) {
      throw new IllegalStateException(what + " folded " + events + " events, not " + LoadCase.EVENTS);
    }
  }
}
