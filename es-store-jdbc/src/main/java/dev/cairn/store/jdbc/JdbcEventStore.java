package dev.cairn.store.jdbc;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.AppendResult;
import dev.cairn.api.ConcurrencyConflictException;
import dev.cairn.api.Decider;
import dev.cairn.api.EventStore;
import dev.cairn.api.EventStoreException;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.Health;
import dev.cairn.api.HealthIndicator;
import dev.cairn.api.RecordedEvent;
import dev.cairn.api.spi.Checks;
import dev.cairn.store.jdbc.internal.Appender;
import dev.cairn.store.jdbc.internal.GlobalFence;
import dev.cairn.store.jdbc.internal.GlobalOrderReader;
import dev.cairn.store.jdbc.internal.IdempotencyKeys;
import dev.cairn.store.jdbc.internal.Migrations;
import dev.cairn.store.jdbc.internal.StoreHealth;
import dev.cairn.store.jdbc.internal.StreamReader;
import dev.cairn.store.jdbc.spi.StoreTables;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.micrometer.core.instrument.Metrics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * The PostgreSQL event store (13 or newer), on Jdbi.
 *
 * <p>Appends compare-and-set the stream's version before any sequence value is drawn, then insert
 * the whole batch in one statement, at REPEATABLE READ. The global order is {@code (tx_id,
 * global_position)}, and readers only see events below the oldest transaction that may still
 * append (docs/global-order.md), so no event can ever appear behind a reader.
 *
 * <pre>{@code
 * JdbcEventStore store = JdbcEventStore.builder(dataSource).schema("cairn").build();
 * store.migrate();
 * }</pre>
 */
public final class JdbcEventStore implements EventStore, HealthIndicator {

  /** The default limit on one event's payload: 1 MiB. */
  public static final int DEFAULT_MAX_EVENT_BYTES = 1 << 20;

  /** The LISTEN/NOTIFY channel on which appends are announced, when enabled. */
  public static final String NOTIFY_CHANNEL = "cairn_events";

  private final Jdbi jdbi;
  private final StoreTables tables;
  private final MeterRegistry meters;
  private final OpenTelemetry openTelemetry;
  private final Migrations migrations;
  private final StreamReader streams;
  private final GlobalOrderReader globalOrder;
  private final Appender appender;
  private final StoreHealth health;
  private final IdempotencyKeys idempotencyKeys;
  private final int maxEventBytes;

  JdbcEventStore(JdbcEventStoreBuilder b) {
    this.jdbi = Jdbi.create(b.dataSource);
    this.tables = StoreTables.of(b.schema, b.prefix);
    this.meters = b.meters;
    this.openTelemetry = b.openTelemetry != null ? b.openTelemetry : GlobalOpenTelemetry.getOrNoop();
    this.maxEventBytes = b.maxEventBytes;
    this.migrations = new Migrations(b.dataSource, tables);
    this.streams = new StreamReader(tables);
    GlobalFence fence = new GlobalFence(tables.qualified("events"));
    this.globalOrder = new GlobalOrderReader(tables, fence);
    this.appender =
        new Appender(
            jdbi, tables, fence, streams, b.maxEventBytes, b.notify ? NOTIFY_CHANNEL : null, meters,
            b.groupCommit.maxSize() == 1 ? null : b.groupCommit);
    this.health = new StoreHealth(jdbi, fence, globalOrder, b.fenceHeldThreshold, meters);
    this.idempotencyKeys = new IdempotencyKeys(jdbi, tables, streams);
  }

  /**
   * Starts configuring a store on a data source.
   *
   * @param dataSource a (pooled) data source of the database
   * @return a builder
   */
  public static JdbcEventStoreBuilder builder(DataSource dataSource) {
    return new JdbcEventStoreBuilder(dataSource);
  }

  /**
   * Creates or upgrades the store's tables, with Flyway and a history table of Cairn's own ({@code
   * <prefix>cairn_schema_history}), so it never collides with the application's migrations.
   *
   * @throws EventStoreException if a migration fails
   */
  public void migrate() {
    migrations.migrate(Migrations.STORE_LOCATION, tables.prefixed(Migrations.STORE_HISTORY_TABLE));
  }

  /**
   * Runs a module's own migrations in this store's schema, with its own history table, and with
   * {@code ${schema}} and {@code ${prefix}} placeholders.
   *
   * @param location the Flyway location of the module's scripts
   * @param historyTable the module's history table (a fixed name of Cairn's code)
   * @throws EventStoreException if a migration fails
   */
  public void migrate(String location, String historyTable) {
    migrations.migrate(location, historyTable);
  }

  /**
   * Starts a repository that runs commands against one stream type.
   *
   * @param streamType the stream type, which names the aggregates' kind (and by default their
   *     Kafka topic)
   * @param decider the aggregate's behaviour
   * @param <C> the command family
   * @param <S> the state
   * @param <E> the event family
   * @return a builder
   * @throws IllegalArgumentException if the stream type is malformed
   */
  public <C, S, E> JdbcAggregateRepository.Builder<C, S, E> repository(
      String streamType, Decider<C, S, E> decider) {
    return new JdbcAggregateRepository.Builder<>(this, Checks.streamType(streamType), decider);
  }

  @Override
  public AppendResult append(AppendRequest request) {
    return appender.append(request);
  }

  /**
   * Declares the caller's transaction as one that may append to this store, so that readers of
   * the global order wait for it. Call it before the transaction's first write when the
   * transaction writes other tables before {@link #append(Handle, AppendRequest)}; a transaction
   * whose first write is the append needs no call. Declaring again is harmless.
   *
   * <p>Why: readers wait only for transactions that may still append (DESIGN rule 2), so that a
   * long read-model or unrelated transaction does not hold them back. A transaction that already
   * holds a transaction id and has not declared itself may have been passed by a reader already.
   *
   * @param handle a handle inside a transaction
   * @throws IllegalStateException if the handle is not in a transaction, or if the transaction
   *     already wrote without declaring itself
   */
  public void declareAppender(Handle handle) {
    if (!handle.isInTransaction()) {
      throw new IllegalStateException("declareAppender needs a handle inside a transaction, but it had none");
    }
    appender.declare(handle);
  }

  /**
   * Appends inside the caller's transaction, which must run at REPEATABLE READ or SERIALIZABLE, so
   * that it cannot write a newer version of a stream under an older transaction id.
   *
   * @param handle a handle inside a transaction
   * @param request what to append
   * @return what was written (visible to others once the caller commits)
   * <p>The transaction must not have written anything before, unless it called {@link
   * #declareAppender(Handle)} before its first write: readers of the global order wait only for
   * transactions that declared themselves appenders (DESIGN rule 2).
   *
   * @throws ConcurrencyConflictException if the stream is at another version, however PostgreSQL
   *     reported the lost race
   * @throws IllegalStateException if the transaction's isolation is weaker than REPEATABLE READ, or
   *     if it wrote before and did not declare itself first
   */
  public AppendResult append(Handle handle, AppendRequest request) {
    TransactionIsolationLevel level = handle.getTransactionIsolationLevel();
    if (!handle.isInTransaction()
        || (level != TransactionIsolationLevel.REPEATABLE_READ
            && level != TransactionIsolationLevel.SERIALIZABLE)) {
      throw new IllegalStateException(
          "appending in a caller's transaction needs REPEATABLE READ or SERIALIZABLE, but it was "
              + (handle.isInTransaction() ? level : "no transaction"));
    }
    return appender.appendInTransaction(handle, request);
  }

  @Override
  public List<RecordedEvent> readStream(String streamId, long afterVersion, int limit) {
    return readStream(streamId, afterVersion, Long.MAX_VALUE, limit);
  }

  /**
   * Reads a stream forward up to a version.
   *
   * @param streamId the stream
   * @param afterVersion read events above this version
   * @param upToVersion and at or below this one
   * @param limit the most events to return
   * @return the events in version order
   * @throws IllegalArgumentException if an argument breaks its rule
   */
  public List<RecordedEvent> readStream(String streamId, long afterVersion, long upToVersion, int limit) {
    Checks.streamId(streamId);
    Checks.version("after version", afterVersion);
    Checks.positive("limit", limit);
    return jdbi.withHandle(h -> streams.read(h, streamId, afterVersion, upToVersion, limit));
  }

  /**
   * Reads a stream's events recorded at or before an instant.
   *
   * @param streamId the stream
   * @param instant the instant
   * @return the events in version order
   */
  public List<RecordedEvent> readStreamAsOf(String streamId, Instant instant) {
    Checks.streamId(streamId);
    requireNonNull(instant, "instant");
    return jdbi.withHandle(h -> streams.readAsOf(h, streamId, instant));
  }

  @Override
  public List<RecordedEvent> readGlobal(GlobalPosition after, int limit) {
    requireNonNull(after, "after");
    Checks.positive("limit", limit);
    return jdbi.withHandle(h -> globalOrder.read(h, after, limit));
  }

  /**
   * Reads the global order on the caller's handle, as {@link #readGlobal(GlobalPosition, int)}
   * does, so a reader can store its checkpoint in the same transaction.
   *
   * @param handle the caller's handle
   * @param after the last position already read
   * @param limit the most events to return
   * @return the events in global order
   */
  public List<RecordedEvent> readGlobal(Handle handle, GlobalPosition after, int limit) {
    return globalOrder.read(handle, after, limit);
  }

  @Override
  public long streamVersion(String streamId) {
    Checks.streamId(streamId);
    return jdbi.withHandle(h -> streams.version(h, streamId));
  }

  /**
   * Returns the position of the newest event readers can see now: the head of the global order.
   *
   * @return the head, or {@link GlobalPosition#START} if the store is empty
   */
  public GlobalPosition headPosition() {
    return jdbi.withHandle(globalOrder::head);
  }

  /**
   * Counts the events after a position that readers can see now: how far a reader at that
   * position is behind.
   *
   * @param after the reader's position
   * @return the number of visible events after it
   */
  public long countAfter(GlobalPosition after) {
    return jdbi.withHandle(h -> globalOrder.countAfter(h, after));
  }

  /**
   * Finds the oldest open or prepared transaction that may append to this store and holds a
   * transaction id: it holds back every reader of the global order until it ends. Transactions that
   * never declared themselves appenders (read models, other tables, other databases) do not hold
   * readers back and are not reported.
   *
   * @return the transaction, if any is open
   */
  public Optional<OpenTransaction> oldestOpenTransaction() {
    return health.oldestOpenTransaction();
  }

  /**
   * Explains why a reader's position (a relay's, a runner's checkpoint) lies beyond anything this
   * database has committed, if it does. Only a database that went back in time does that (a
   * restore from a backup, an asynchronous failover): the transaction ids it assigns from then on
   * are below the reader's position, so the reader would skip every new event. Readers check it
   * when they start and when they find nothing to read, and stop with this message.
   *
   * @param position the reader's position
   * @return the explanation with the values, or empty if the position is consistent
   */
  public Optional<String> positionAhead(GlobalPosition position) {
    requireNonNull(position, "position");
    return jdbi.withHandle(h -> globalOrder.positionAhead(h, position));
  }

  /**
   * Measures the events that were committed but that readers cannot see yet, because an appender
   * holds the global-order fence below them.
   *
   * @return the count and the oldest one's append time
   */
  public FenceDelay fenceDelay() {
    return health.fenceDelay();
  }

  /**
   * Checks the store now (one query, two when degraded): DOWN if its database cannot be queried,
   * DEGRADED when committed events have waited above the fence longer than {@link
   * JdbcEventStoreBuilder#fenceHeldThreshold}, naming the transaction that holds it; UP otherwise.
   *
   * @return the store's health
   */
  @Override
  public Health health() {
    return health.health();
  }

  /**
   * Returns the largest payload one event may have, in bytes of UTF-8 JSON as the caller sent it.
   *
   * @return the limit
   */
  public int maxEventBytes() {
    return maxEventBytes;
  }

  /**
   * Listens for appends made by other processes: their stores must be built with {@link
   * JdbcEventStoreBuilder#notifyOnAppend}. A thread of its own holds one connection with {@code LISTEN} on
   * {@value #NOTIFY_CHANNEL} and runs {@code onAppend} for each notification about this store's
   * schema, and once more whenever it (re)connects, since a notification sent while it was not
   * listening is lost. A lost connection is retried with backoff and logged once. Notifications
   * only hurry a reader: it must still poll, as a lost one costs at most its poll interval.
   *
   * @param onAppend called on the listening thread; keep it short (a wake-up)
   * @param threadName the listening thread's name
   * @return the subscription; close it to stop listening
   */
  public AppendSubscription listenForAppends(Runnable onAppend, String threadName) {
    return new AppendNotificationListener(
        jdbi, NOTIFY_CHANNEL, tables.schema(), requireNonNull(onAppend, "onAppend"),
        requireNonNull(threadName, "threadName"));
  }

  /** A running {@link #listenForAppends} listener. */
  public interface AppendSubscription extends AutoCloseable {
    /** Stops listening and waits briefly for the listening thread to end. */
    @Override
    void close();
  }

  /**
   * Registers a listener called after every append of this store object commits, in the
   * appending thread; the relay uses it to wake at once. A failing listener is logged, never
   * fails the append.
   *
   * @param listener the listener
   */
  public void addAppendListener(Consumer<AppendResult> listener) {
    appender.addListener(requireNonNull(listener, "listener"));
  }

  /**
   * Deletes idempotency keys recorded before an instant; commands re-sent with them afterwards
   * run again.
   *
   * @param before the cut-off
   * @return how many keys were deleted
   */
  public int purgeIdempotencyKeys(Instant before) {
    requireNonNull(before, "before");
    return idempotencyKeys.purge(before);
  }

  /**
   * Returns the Jdbi this store runs on.
   *
   * @return the Jdbi
   */
  public Jdbi jdbi() {
    return jdbi;
  }

  /**
   * Returns the schema the store's tables live in.
   *
   * @return the schema name
   */
  public String schema() {
    return tables.schema();
  }

  /**
   * Qualifies the name of a table that a module built on this store keeps beside it.
   *
   * @param table a fixed table name of Cairn's code
   * @return {@code schema.prefix_table}, safe to place in SQL
   */
  public String qualifiedTable(String table) {
    return tables.qualified(table);
  }

  /**
   * Returns the meter registry the store reports to.
   *
   * @return the registry
   */
  public MeterRegistry meterRegistry() {
    return meters;
  }

  /**
   * Returns the OpenTelemetry the store's repositories trace with; the relay uses it by default.
   *
   * @return the OpenTelemetry (the no-op one unless an SDK was set)
   */
  public OpenTelemetry openTelemetry() {
    return openTelemetry;
  }

  /**
   * Returns where the store's tables live: its schema and table prefix, for sibling modules that
   * keep tables beside the store's (see {@link StoreTables}).
   *
   * @return the store's table naming
   */
  public StoreTables tables() {
    return tables;
  }

  Appender appender() {
    return appender;
  }

  StreamReader streams() {
    return streams;
  }

  IdempotencyKeys idempotencyKeys() {
    return idempotencyKeys;
  }
}
