package dev.cairn.projections;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.AppendResult;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import dev.cairn.api.SerializedEvent;
import dev.cairn.store.jdbc.JdbcEventStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;

/** A small bank domain, its balances projection and a fold to compare read models against. */
final class Bank {

  private Bank() {}

  sealed interface Event permits Opened, Deposited, Withdrawn {}

  record Opened(String owner) implements Event {}

  record Deposited(long amount) implements Event {}

  record Withdrawn(long amount) implements Event {}

  /** One row of the balances read model: an event applied twice shows in {@code events}. */
  record Row(long balance, long events) {}

  static final EventSerializer SERIALIZER =
      JacksonEventSerializer.create(EventTypeRegistry.builder().registerSealed(Event.class).build());

  /** The amount that the poisoned projection fails on until {@link #POISON_FIXED} is set. */
  static final long POISON = 13;

  static final AtomicBoolean POISON_FIXED = new AtomicBoolean();

  private static final java.util.concurrent.atomic.AtomicInteger SCHEMAS = new java.util.concurrent.atomic.AtomicInteger();

  /** A store in a schema of its own, so every test starts empty. */
  static JdbcEventStore store(DataSource ds) {
    JdbcEventStore store =
        JdbcEventStore.builder(ds)
            .schema("t" + SCHEMAS.incrementAndGet())
            .meterRegistry(new SimpleMeterRegistry())
            .build();
    store.migrate();
    return store;
  }

  static ProjectionManager manager(JdbcEventStore store) {
    ProjectionManager m = ProjectionManager.create(store, SERIALIZER);
    m.migrate();
    return m;
  }

  /** The balances projection; with {@code poisoned}, deposits of {@link #POISON} fail until fixed. */
  static Projection balances(String name, int version, boolean poisoned) {
    return Projections.builder(name, version)
        .table("CREATE TABLE {table} (account text PRIMARY KEY, balance bigint NOT NULL, events bigint NOT NULL)")
        .on(Opened.class, (e, h, m) -> add(h, m, e.streamId(), 0))
        .on(
            Deposited.class,
            (e, h, m) -> {
              if (poisoned && e.event().amount() == POISON && !POISON_FIXED.get()) {
                throw new IllegalStateException("poison deposit in " + e.streamId());
              }
              add(h, m, e.streamId(), e.event().amount());
            })
        .on(Withdrawn.class, (e, h, m) -> add(h, m, e.streamId(), -e.event().amount()))
        .build();
  }

  private static void add(Handle h, ReadModel m, String account, long amount) {
    h.createUpdate(
            "INSERT INTO " + m.table() + " (account, balance, events) VALUES (:a, :amount, 1)"
                + " ON CONFLICT (account) DO UPDATE SET balance = " + m.table() + ".balance + :amount,"
                + " events = " + m.table() + ".events + 1")
        .bind("a", account)
        .bind("amount", amount)
        .execute();
  }

  /** Appends events and remembers each stream's version. */
  static final class Ledger {
    private final JdbcEventStore store;
    private final Map<String, Long> versions = new ConcurrentHashMap<>();

    Ledger(JdbcEventStore store) {
      this.store = store;
    }

    List<RecordedEvent> append(String account, Event... events) {
      long expected = versions.getOrDefault(account, 0L);
      List<NewEvent> news = new ArrayList<>();
      for (Event e : events) {
        SerializedEvent s = SERIALIZER.serialize(e);
        news.add(new NewEvent(UUID.randomUUID(), s.eventType(), s.revision(), s.json(), EventMetadata.EMPTY));
      }
      AppendResult r = store.append(new AppendRequest(account, "account", expected, news));
      versions.put(account, r.version());
      return r.events();
    }

    /** Opens accounts and deposits into them: {@code accounts * (1 + deposits)} events. */
    List<RecordedEvent> fill(String prefix, int accounts, int deposits) {
      List<RecordedEvent> all = new ArrayList<>();
      for (int a = 0; a < accounts; a++) {
        String id = prefix + a;
        if (!versions.containsKey(id)) {
          all.addAll(append(id, new Opened("owner-" + a)));
        }
        for (int d = 0; d < deposits; d++) {
          all.addAll(append(id, new Deposited(100 + d)));
        }
      }
      return all;
    }
  }

  /** Folds events into what the balances read model must hold. */
  static Map<String, Row> fold(List<RecordedEvent> events) {
    Map<String, Row> rows = new TreeMap<>();
    for (RecordedEvent r : events) {
      Object e = SERIALIZER.deserialize(r);
      long amount = e instanceof Deposited d ? d.amount() : e instanceof Withdrawn w ? -w.amount() : 0;
      Row old = rows.getOrDefault(r.streamId(), new Row(0, 0));
      rows.put(r.streamId(), new Row(old.balance() + amount, old.events() + 1));
    }
    return rows;
  }

  /** Reads the whole global order after a position. */
  static List<RecordedEvent> readAll(JdbcEventStore store, GlobalPosition after) {
    List<RecordedEvent> all = new ArrayList<>();
    GlobalPosition at = after;
    while (true) {
      List<RecordedEvent> page = store.readGlobal(at, 1000);
      if (page.isEmpty()) {
        return all;
      }
      all.addAll(page);
      at = page.get(page.size() - 1).position();
    }
  }

  /** Reads a balances table or view. */
  static Map<String, Row> read(JdbcEventStore store, String table) {
    return store.jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT account, balance, events FROM " + table)
                    .reduceRows(
                        new TreeMap<String, Row>(),
                        (m, rv) -> {
                          m.put(rv.getColumn("account", String.class), new Row(rv.getColumn("balance", Long.class), rv.getColumn("events", Long.class)));
                          return m;
                        }));
  }

  static void assertFold(JdbcEventStore store, String table, List<RecordedEvent> events) {
    assertThat(read(store, table)).isEqualTo(fold(events));
  }
}
