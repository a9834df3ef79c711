package dev.cairn.admin.testing;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventEnvelope;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.api.NewEvent;
import dev.cairn.api.SerializedEvent;
import dev.cairn.projections.Projection;
import dev.cairn.projections.Projections;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.workflows.Action;
import dev.cairn.workflows.Input;
import dev.cairn.workflows.ProcessManager;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;

/**
 * A small account domain for the tests of the tools that operate Cairn (es-admin's, and es-cli's
 * through es-admin's test jar): its events, appends in order, a balances projection that a poison
 * deposit breaks until fixed, and a welcome process manager with a deadline.
 */
public final class Accounts {

  /** An account's events. */
  public sealed interface Event permits Opened, Deposited {}

  /**
   * An account was opened.
   *
   * @param owner who owns it
   */
  public record Opened(String owner) implements Event {}

  /**
   * Money was deposited.
   *
   * @param amount how much
   */
  public record Deposited(long amount) implements Event {}

  /** The events' serializer. */
  public static final EventSerializer SERIALIZER =
      JacksonEventSerializer.create(EventTypeRegistry.builder().registerSealed(Event.class).build());

  /** Deposits of this amount fail in a poisoned projection until {@link #POISON_FIXED} is set. */
  public static final long POISON = 13;

  /** Set, a poisoned projection takes deposits of {@link #POISON} again. */
  public static final AtomicBoolean POISON_FIXED = new AtomicBoolean();

  private static final AtomicInteger SCHEMAS = new AtomicInteger();

  private final JdbcEventStore store;
  private final Map<String, Long> versions = new ConcurrentHashMap<>();

  /**
   * Appends to a store.
   *
   * @param store the store
   */
  public Accounts(JdbcEventStore store) {
    this.store = store;
  }

  /**
   * A migrated store in a schema of its own.
   *
   * @param ds the database
   * @param schemaPrefix the schema's prefix; a number follows it
   * @return the store
   */
  public static JdbcEventStore store(DataSource ds, String schemaPrefix) {
    JdbcEventStore store =
        JdbcEventStore.builder(ds).schema(schemaPrefix + SCHEMAS.incrementAndGet()).meterRegistry(new SimpleMeterRegistry()).build();
    store.migrate();
    return store;
  }

  /**
   * Appends events to an account, after those appended before; their correlation id is {@code
   * corr-<account>}.
   *
   * @param account the account's stream id
   * @param events the events
   */
  public void append(String account, Event... events) {
    long expected = versions.getOrDefault(account, 0L);
    List<NewEvent> news = new ArrayList<>();
    for (Event e : events) {
      SerializedEvent s = SERIALIZER.serialize(e);
      news.add(new NewEvent(UUID.randomUUID(), s.eventType(), s.revision(), s.json(), EventMetadata.EMPTY.withCorrelationId("corr-" + account)));
    }
    versions.put(account, store.append(new AppendRequest(account, "account", expected, news)).version());
  }

  /**
   * The balances projection: a row per account.
   *
   * @param version its version
   * @param poisoned whether deposits of {@link #POISON} fail until {@link #POISON_FIXED} is set
   * @return the projection
   */
  public static Projection balances(int version, boolean poisoned) {
    return Projections.builder("balances", version)
        .table("CREATE TABLE {table} (account text PRIMARY KEY, balance bigint NOT NULL)")
        .on(Opened.class, (e, h, m) -> add(h, m.table(), e.streamId(), 0))
        .on(Deposited.class, (e, h, m) -> {
          if (poisoned && e.event().amount() == POISON && !POISON_FIXED.get()) {
            throw new IllegalStateException("poison deposit in " + e.streamId());
          }
          add(h, m.table(), e.streamId(), e.event().amount());
        })
        .build();
  }

  private static void add(Handle h, String table, String account, long amount) {
    h.createUpdate("INSERT INTO " + table + " VALUES (:a, :n) ON CONFLICT (account) DO UPDATE SET balance = " + table + ".balance + :n")
        .bind("a", account)
        .bind("n", amount)
        .execute();
  }

  /**
   * A welcome process's state.
   *
   * @param inputs how many inputs it saw
   */
  public record Seen(int inputs) {}

  /** On an account opened, schedules a reminder: overdue for owner "past", in an hour otherwise. */
  public static final class Welcome implements ProcessManager<Seen> {
    @Override
    public Optional<String> processId(EventEnvelope<?> event) {
      return event.event() instanceof Opened ? Optional.of(event.streamId()) : Optional.empty();
    }

    @Override
    public Seen initialState() {
      return new Seen(0);
    }

    @Override
    public Seen evolve(Seen state, Input input) {
      return new Seen(state.inputs() + 1);
    }

    @Override
    public List<Action> react(Seen state, Input input) {
      if (input instanceof Input.Received r && r.event() instanceof Opened o) {
        Instant due = o.owner().equals("past") ? Instant.now().minusSeconds(60) : Instant.now().plusSeconds(3600);
        return List.of(Action.schedule("remind", due, o.owner()));
      }
      return List.of();
    }
  }
}
