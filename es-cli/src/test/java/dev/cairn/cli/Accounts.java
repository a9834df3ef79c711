package dev.cairn.cli;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.api.NewEvent;
import dev.cairn.api.SerializedEvent;
import dev.cairn.projections.Projection;
import dev.cairn.projections.Projections;
import dev.cairn.store.jdbc.JdbcEventStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;

/** A small account domain for the CLI's tests: events, a balances projection that can be poisoned. */
final class Accounts {

  sealed interface Event permits Opened, Deposited {}

  record Opened(String owner) implements Event {}

  record Deposited(long amount) implements Event {}

  static final EventSerializer SERIALIZER =
      JacksonEventSerializer.create(EventTypeRegistry.builder().registerSealed(Event.class).build());

  /** Deposits of this amount fail in a poisoned projection until {@link #FIXED} is set. */
  static final long POISON = 13;

  static final AtomicBoolean FIXED = new AtomicBoolean();

  private static final AtomicInteger SCHEMAS = new AtomicInteger();

  private final JdbcEventStore store;
  private final Map<String, Long> versions = new ConcurrentHashMap<>();

  Accounts(JdbcEventStore store) {
    this.store = store;
  }

  /** A migrated store in a schema of its own. */
  static JdbcEventStore store(DataSource ds, String schemaPrefix) {
    JdbcEventStore store = JdbcEventStore.builder(ds)
        .schema(schemaPrefix + SCHEMAS.incrementAndGet())
        .meterRegistry(new SimpleMeterRegistry())
        .build();
    store.migrate();
    return store;
  }

  void append(String account, Event... events) {
    long expected = versions.getOrDefault(account, 0L);
    List<NewEvent> news = new ArrayList<>();
    for (Event e : events) {
      SerializedEvent s = SERIALIZER.serialize(e);
      news.add(new NewEvent(UUID.randomUUID(), s.eventType(), s.revision(), s.json(),
          EventMetadata.EMPTY));
    }
    versions.put(account, store.append(new AppendRequest(account, "account", expected, news)).version());
  }

  /** The balances projection; poisoned, it fails on deposits of {@link #POISON} until fixed. */
  static Projection balances(int version, boolean poisoned) {
    return Projections.builder("balances", version)
        .table("CREATE TABLE {table} (account text PRIMARY KEY, balance bigint NOT NULL)")
        .on(Opened.class, (e, h, m) -> add(h, m.table(), e.streamId(), 0))
        .on(Deposited.class, (e, h, m) -> {
          if (poisoned && e.event().amount() == POISON && !FIXED.get()) {
            throw new IllegalStateException("poison deposit in " + e.streamId());
          }
          add(h, m.table(), e.streamId(), e.event().amount());
        })
        .build();
  }

  private static void add(Handle h, String table, String account, long amount) {
    h.createUpdate("INSERT INTO " + table + " VALUES (:a, :n) ON CONFLICT (account) DO UPDATE SET balance = "
            + table + ".balance + :n")
        .bind("a", account).bind("n", amount).execute();
  }
}
