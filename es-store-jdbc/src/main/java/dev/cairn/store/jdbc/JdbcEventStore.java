package dev.cairn.store.jdbc;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.AppendResult;
import dev.cairn.api.ConcurrencyConflictException;
import dev.cairn.api.Decider;
import dev.cairn.api.EventStore;
import dev.cairn.api.EventStoreException;
import dev.cairn.api.EventTooLargeException;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import dev.cairn.api.spi.Checks;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL event store (13 or newer), on Jdbi.
 *
 * <p>Appends compare-and-set the stream's version before any sequence value is drawn, then insert
 * the whole batch in one statement, at REPEATABLE READ. The global order is {@code (tx_id,
 * global_position)}, and readers only see transactions below the oldest one still open, so no
 * event can ever appear behind a reader.
 *
 * <pre>{@code
 * JdbcEventStore store = JdbcEventStore.builder(dataSource).schema("cairn").build();
 * store.migrate();
 * }</pre>
 */
public final class JdbcEventStore implements EventStore {

  private static final Logger LOG = LoggerFactory.getLogger(JdbcEventStore.class);

  /** The default limit on one event's payload: 1 MiB. */
  public static final int DEFAULT_MAX_EVENT_BYTES = 1 << 20;

  private static final String REPEATABLE_READ = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ";

  /** The LISTEN/NOTIFY channel on which appends are announced, when enabled. */
  public static final String NOTIFY_CHANNEL = "cairn_events";

  private final DataSource dataSource;
  private final Jdbi jdbi;
  private final Tables tables;
  private final int maxEventBytes;
  private final boolean notify;
  private final MeterRegistry meters;
  private final List<Consumer<AppendResult>> appendListeners = new CopyOnWriteArrayList<>();
  private final Timer appendTimer;
  private final Counter eventsAppended;
  private final Counter conflicts;

  private final String createStreamSql;
  private final String advanceStreamSql;
  private final String createStreamOneSql;
  private final String advanceStreamOneSql;
  private final String readStreamSql;
  private final String readGlobalSql;

  private JdbcEventStore(Builder b) {
    this.dataSource = b.dataSource;
    this.jdbi = Jdbi.create(b.dataSource);
    this.tables = new Tables(b.schema, b.prefix);
    this.maxEventBytes = b.maxEventBytes;
    this.notify = b.notify;
    this.meters = b.meters;
    this.appendTimer =
        Timer.builder("cairn.store.append")
            .description("Appends to the event store, with their latency")
            .publishPercentileHistogram()
            .register(meters);
    this.eventsAppended =
        Counter.builder("cairn.store.events.appended").description("Events appended").register(meters);
    this.conflicts =
        Counter.builder("cairn.store.conflicts")
            .description("Appends rejected because the stream was at another version")
            .register(meters);
    Gauge.builder("cairn.store.oldest.transaction.age.seconds", this, JdbcEventStore::oldestAgeSeconds)
        .description("Age of the oldest open transaction holding an xid; it holds back readers")
        .register(meters);

    // One statement: the compare-and-set on the stream row, then the events, inserted only if
    // the compare-and-set succeeded, so a losing writer never draws a sequence value.
    String insertEvents =
        ", e AS (INSERT INTO " + tables.events
            + " (event_id, stream_id, stream_type, version, event_type, schema_revision, payload, metadata)"
            + " SELECT u.event_id, ?, ?, u.version, u.event_type, u.schema_revision,"
            + " u.payload::jsonb, u.metadata::jsonb"
            + " FROM unnest(?::uuid[], ?::bigint[], ?::text[], ?::int[], ?::text[], ?::text[])"
            + " AS u(event_id, version, event_type, schema_revision, payload, metadata)"
            + " WHERE EXISTS (SELECT 1 FROM s)"
            + " RETURNING version, global_position, tx_id, recorded_at)"
            + " SELECT version, global_position, tx_id::text AS tx_text, recorded_at FROM e";
    // A single event needs no arrays: plain parameters spare the client building them and the
    // server parsing and unnesting them.
    String insertOneEvent =
        ", e AS (INSERT INTO " + tables.events
            + " (event_id, stream_id, stream_type, version, event_type, schema_revision, payload, metadata)"
            + " SELECT ?::uuid, ?, ?, ?::bigint, ?, ?::int, ?::jsonb, ?::jsonb"
            + " WHERE EXISTS (SELECT 1 FROM s)"
            + " RETURNING version, global_position, tx_id, recorded_at)"
            + " SELECT version, global_position, tx_id::text AS tx_text, recorded_at FROM e";
    String createStream =
        "WITH s AS (INSERT INTO " + tables.streams + " (stream_id, stream_type, version) VALUES (?, ?, ?)"
            + " ON CONFLICT (stream_id) DO NOTHING RETURNING 1)";
    String advanceStream =
        "WITH s AS (UPDATE " + tables.streams + " SET version = ?, updated_at = now()"
            + " WHERE stream_id = ? AND version = ? AND stream_type = ? RETURNING 1)";
    createStreamSql = createStream + insertEvents;
    advanceStreamSql = advanceStream + insertEvents;
    createStreamOneSql = createStream + insertOneEvent;
    advanceStreamOneSql = advanceStream + insertOneEvent;
    readStreamSql =
        "SELECT " + StoredRows.COLUMNS + " FROM " + tables.events
            + " WHERE stream_id = :id AND version > :after AND version <= :upTo"
            + " ORDER BY version LIMIT :limit";
    // Only transactions below the oldest one still open have ended: nothing can appear behind
    // what this returns, however long a writer takes to commit.
    readGlobalSql =
        "SELECT " + StoredRows.COLUMNS + " FROM " + tables.events
            + " WHERE (tx_id, global_position) > (CAST(CAST(:tx AS text) AS xid8), :pos)"
            + " AND tx_id < pg_snapshot_xmin(pg_current_snapshot())"
            + " ORDER BY tx_id, global_position LIMIT :limit";
  }

  /**
   * Starts configuring a store on a data source.
   *
   * @param dataSource a (pooled) data source of the database
   * @return a builder
   */
  public static Builder builder(DataSource dataSource) {
    return new Builder(dataSource);
  }

  /**
   * Creates or upgrades the store's tables, with Flyway and a history table of Cairn's own ({@code
   * <prefix>cairn_schema_history}), so it never collides with the application's migrations.
   *
   * @throws EventStoreException if a migration fails
   */
  public void migrate() {
    migrate("classpath:dev/cairn/store/jdbc/migration", tables.historyTable);
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
    try {
      Flyway.configure(getClass().getClassLoader())
          .dataSource(dataSource)
          .locations(location)
          .schemas(tables.schema)
          .defaultSchema(tables.schema)
          .createSchemas(true)
          .table(Checks.sqlIdentifier("history table", historyTable))
          .baselineOnMigrate(true)
          .baselineVersion("0")
          .placeholders(Map.of("schema", tables.schema, "prefix", tables.prefix))
          .load()
          .migrate();
    } catch (RuntimeException e) {
      throw EventStoreException.of("migrating " + location + " in schema " + tables.schema, e);
    }
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
    return timedAppend(request, h -> appendIn(h, request, true));
  }

  /**
   * Appends, first running other work (recording an idempotency key) in the same transaction.
   */
  AppendResult appendWithKey(AppendRequest request, Consumer<Handle> before) {
    if (before == null) {
      return append(request);
    }
    return timedAppend(
        request,
        h -> {
          h.execute(REPEATABLE_READ);
          before.accept(h);
          return appendIn(h, request, false);
        });
  }

  /** Checks sizes, runs the append's transaction, times it, and tells the listeners. */
  private AppendResult timedAppend(AppendRequest request, HandleWork<AppendResult> work) {
    checkSizes(request);
    Timer.Sample sample = Timer.start(meters);
    try {
      AppendResult result = inAppendTransaction(request.streamId(), request.expectedVersion(), work);
      afterCommit(result);
      return result;
    } finally {
      sample.stop(appendTimer);
    }
  }


  /**
   * Runs work in one REPEATABLE READ transaction, mapping a lost race to a {@link
   * ConcurrencyConflictException} on the given stream.
   */
  <T> T inAppendTransaction(String streamId, long expectedVersion, HandleWork<T> work) {
    try {
      // The work sets REPEATABLE READ itself, in the same round trip as its first statement.
      return jdbi.inTransaction(work::run);
    } catch (ConcurrencyConflictException e) {
      conflicts.increment();
      throw e;
    } catch (RuntimeException e) {
      if (isRaceLost(e)) {
        conflicts.increment();
        throw ConcurrencyConflictException.of(streamId, expectedVersion, streamVersion(streamId), e);
      }
      throw e;
    }
  }

  /** Work done on a handle inside a transaction. */
  @FunctionalInterface
  interface HandleWork<T> {
    T run(Handle handle);
  }

  /**
   * Appends inside the caller's transaction, which must run at REPEATABLE READ or SERIALIZABLE, so
   * that it cannot write a newer version of a stream under an older transaction id.
   *
   * @param handle a handle inside a transaction
   * @param request what to append
   * @return what was written (visible to others once the caller commits)
   * @throws ConcurrencyConflictException if the stream is at another version
   * @throws IllegalStateException if the transaction's isolation is weaker than REPEATABLE READ
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
    checkSizes(request);
    return appendIn(handle, request, false);
  }

  /**
   * Appends on a handle inside a transaction. With {@code setIsolation}, the statement starts by
   * setting REPEATABLE READ: pgjdbc sends both in one round trip, so the whole append costs one
   * round trip and the commit.
   */
  AppendResult appendIn(Handle h, AppendRequest request, boolean setIsolation) {
    String id = request.streamId();
    List<NewEvent> events = request.events();
    long expected = request.expectedVersion();
    long to = expected + events.size();
    int n = events.size();
    UUID[] eventIds = new UUID[n];
    Long[] versions = new Long[n];
    String[] types = new String[n];
    Integer[] revisions = new Integer[n];
    String[] payloads = new String[n];
    String[] metadatas = new String[n];
    for (int i = 0; i < n; i++) {
      NewEvent e = events.get(i);
      eventIds[i] = e.eventId();
      versions[i] = expected + i + 1;
      types[i] = e.eventType();
      revisions[i] = e.schemaRevision();
      payloads[i] = e.payload();
      metadatas[i] = MetadataJson.write(e.metadata());
    }
    String sql =
        n == 1
            ? (expected == 0 ? createStreamOneSql : advanceStreamOneSql)
            : (expected == 0 ? createStreamSql : advanceStreamSql);
    if (setIsolation) {
      sql = REPEATABLE_READ + "; " + sql;
    }
    if (notify) {
      sql = sql + "; SELECT pg_notify('" + NOTIFY_CHANNEL + "', ?)";
    }
    RecordedEvent[] stored = new RecordedEvent[n];
    int count = 0;
    Connection c = h.getConnection();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int p = 1;
      if (expected == 0) {
        ps.setString(p++, id);
        ps.setString(p++, request.streamType());
        ps.setLong(p++, to);
      } else {
        ps.setLong(p++, to);
        ps.setString(p++, id);
        ps.setLong(p++, expected);
        ps.setString(p++, request.streamType());
      }
      if (n == 1) {
        ps.setObject(p++, eventIds[0]);
        ps.setString(p++, id);
        ps.setString(p++, request.streamType());
        ps.setLong(p++, versions[0]);
        ps.setString(p++, types[0]);
        ps.setInt(p++, revisions[0]);
        ps.setString(p++, payloads[0]);
        ps.setString(p++, metadatas[0]);
      } else {
        ps.setString(p++, id);
        ps.setString(p++, request.streamType());
        ps.setArray(p++, c.createArrayOf("uuid", eventIds));
        ps.setArray(p++, c.createArrayOf("int8", versions));
        ps.setArray(p++, c.createArrayOf("text", types));
        ps.setArray(p++, c.createArrayOf("int4", revisions));
        ps.setArray(p++, c.createArrayOf("text", payloads));
        ps.setArray(p++, c.createArrayOf("text", metadatas));
      }
      if (notify) {
        ps.setString(p, tables.schema);
      }
      boolean isResultSet = ps.execute();
      while (true) {
        if (isResultSet) {
          try (ResultSet rs = ps.getResultSet()) {
            while (rs.next() && rs.getMetaData().getColumnCount() == 4) {
              long version = rs.getLong("version");
              int i = (int) (version - expected - 1);
              NewEvent e = events.get(i);
              stored[i] =
                  new RecordedEvent(
                      e.eventId(),
                      id,
                      request.streamType(),
                      version,
                      new GlobalPosition(Long.parseLong(rs.getString("tx_text")), rs.getLong("global_position")),
                      rs.getObject("recorded_at", OffsetDateTime.class).toInstant(),
                      e.eventType(),
                      e.schemaRevision(),
                      e.payload(),
                      e.metadata());
              count++;
            }
          }
        } else if (ps.getUpdateCount() == -1) {
          break;
        }
        isResultSet = ps.getMoreResults();
      }
    } catch (SQLException e) {
      throw EventStoreException.of("appending to stream " + id, e);
    }
    if (count == 0) {
      throw conflictOrWrongType(h, request);
    }
    if (count != n) {
      throw new IllegalStateException("stream " + id + ": " + count + " of " + n + " events were stored");
    }
    return new AppendResult(id, to, List.of(stored));
  }

  void afterCommit(AppendResult result) {
    eventsAppended.increment(result.events().size());
    for (Consumer<AppendResult> listener : appendListeners) {
      try {
        listener.accept(result);
      } catch (RuntimeException e) {
        LOG.warn("append listener {} failed", listener, e);
      }
    }
  }

  private RuntimeException conflictOrWrongType(Handle h, AppendRequest request) {
    Optional<Map<String, Object>> row =
        h.createQuery("SELECT stream_type, version FROM " + tables.streams + " WHERE stream_id = :id")
            .bind("id", request.streamId())
            .mapToMap()
            .findOne();
    if (row.isPresent() && !request.streamType().equals(row.get().get("stream_type"))) {
      return new IllegalArgumentException(
          "stream " + request.streamId() + " is of type " + row.get().get("stream_type")
              + ", not " + request.streamType());
    }
    long actual = row.map(r -> ((Number) r.get("version")).longValue()).orElse(0L);
    return ConcurrencyConflictException.of(
        request.streamId(), request.expectedVersion(), actual, null);
  }

  private void checkSizes(AppendRequest request) {
    for (NewEvent e : request.events()) {
      // Cheap bound first: a UTF-8 byte is at least one char, at most three per char.
      int chars = e.payload().length();
      if (chars > maxEventBytes / 3) {
        int bytes = chars > maxEventBytes ? chars : e.payload().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxEventBytes) {
          throw EventTooLargeException.of(request.streamId(), e.eventType(), bytes, maxEventBytes);
        }
      }
    }
  }

  static boolean isUniqueViolation(Throwable e, String constraint) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
        return String.valueOf(sql.getMessage()).contains(constraint);
      }
    }
    return false;
  }

  private static boolean isRaceLost(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        String state = sql.getSQLState();
        // 40001 serialization failure, 40P01 deadlock, 23505 unique violation on the stream row
        // or on (stream_id, version): all mean another writer got there first.
        if ("40001".equals(state) || "40P01".equals(state)) {
          return true;
        }
        if ("23505".equals(state)) {
          String message = String.valueOf(sql.getMessage());
          return message.contains("streams_pkey") || message.contains("events_stream_version");
        }
      }
    }
    return false;
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
    return jdbi.withHandle(h -> readStream(h, streamId, afterVersion, upToVersion, limit));
  }

  List<RecordedEvent> readStream(Handle h, String streamId, long afterVersion, long upToVersion, int limit) {
    return h.createQuery(readStreamSql)
        .bind("id", streamId)
        .bind("after", afterVersion)
        .bind("upTo", upToVersion)
        .bind("limit", limit)
        .map(StoredRows.MAPPER)
        .list();
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
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT " + StoredRows.COLUMNS + " FROM " + tables.events
                        + " WHERE stream_id = :id AND recorded_at <= :at ORDER BY version")
                .bind("id", streamId)
                .bind("at", OffsetDateTime.ofInstant(instant, java.time.ZoneOffset.UTC))
                .map(StoredRows.MAPPER)
                .list());
  }

  @Override
  public List<RecordedEvent> readGlobal(GlobalPosition after, int limit) {
    requireNonNull(after, "after");
    Checks.positive("limit", limit);
    return jdbi.withHandle(h -> readGlobal(h, after, limit));
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
    return handle
        .createQuery(readGlobalSql)
        .bind("tx", after.txId())
        .bind("pos", after.position())
        .bind("limit", limit)
        .map(StoredRows.MAPPER)
        .list();
  }

  @Override
  public long streamVersion(String streamId) {
    Checks.streamId(streamId);
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT version FROM " + tables.streams + " WHERE stream_id = :id")
                .bind("id", streamId)
                .mapTo(Long.class)
                .findOne()
                .orElse(0L));
  }

  /**
   * Returns the position of the newest event readers can see now: the head of the global order.
   *
   * @return the head, or {@link GlobalPosition#START} if the store is empty
   */
  public GlobalPosition headPosition() {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT tx_id::text AS tx_text, global_position FROM " + tables.events
                        + " WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())"
                        + " ORDER BY tx_id DESC, global_position DESC LIMIT 1")
                .map((rs, ctx) -> new GlobalPosition(Long.parseLong(rs.getString("tx_text")), rs.getLong("global_position")))
                .findOne()
                .orElse(GlobalPosition.START));
  }

  /**
   * Counts the events after a position that readers can see now: how far a reader at that
   * position is behind.
   *
   * @param after the reader's position
   * @return the number of visible events after it
   */
  public long countAfter(GlobalPosition after) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT count(*) FROM " + tables.events
                        + " WHERE (tx_id, global_position) > (CAST(CAST(:tx AS text) AS xid8), :pos)"
                        + " AND tx_id < pg_snapshot_xmin(pg_current_snapshot())")
                .bind("tx", after.txId())
                .bind("pos", after.position())
                .mapTo(Long.class)
                .one());
  }

  /**
   * Finds the oldest open transaction that holds a transaction id, on the whole server: it holds
   * back every reader of the global order until it ends. A health check should alarm when its age
   * grows past the longest transaction the application expects.
   *
   * @return the transaction, if any is open
   */
  public Optional<OpenTransaction> oldestOpenTransaction() {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT pid, datname, EXTRACT(EPOCH FROM (clock_timestamp() - xact_start)) * 1000 AS age_ms,"
                        + " state, left(query, 200) AS query FROM pg_stat_activity"
                        + " WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
                        + " ORDER BY age(backend_xid) DESC LIMIT 1")
                .map(
                    (rs, ctx) ->
                        new OpenTransaction(
                            rs.getInt("pid"),
                            rs.getString("datname"),
                            Duration.ofMillis(rs.getLong("age_ms")),
                            rs.getString("state"),
                            rs.getString("query")))
                .findOne());
  }

  private double oldestAgeSeconds() {
    try {
      return oldestOpenTransaction().map(t -> t.age().toMillis() / 1000.0).orElse(0.0);
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  /**
   * Listens for appends made by other processes: their stores must be built with {@link
   * Builder#notifyOnAppend}. A thread of its own holds one connection with {@code LISTEN} on
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
        jdbi, NOTIFY_CHANNEL, tables.schema, requireNonNull(onAppend, "onAppend"),
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
    appendListeners.add(requireNonNull(listener, "listener"));
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
    return jdbi.withHandle(
        h ->
            h.createUpdate("DELETE FROM " + tables.idempotencyKeys + " WHERE created_at < :before")
                .bind("before", OffsetDateTime.ofInstant(before, java.time.ZoneOffset.UTC))
                .execute());
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
    return tables.schema;
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

  Tables tables() {
    return tables;
  }

  /** Configures a {@link JdbcEventStore}; every setter checks its argument at once. */
  public static final class Builder {
    private final DataSource dataSource;
    private String schema = "public";
    private String prefix = "";
    private int maxEventBytes = DEFAULT_MAX_EVENT_BYTES;
    private boolean notify;
    private MeterRegistry meters = Metrics.globalRegistry;

    private Builder(DataSource dataSource) {
      this.dataSource = requireNonNull(dataSource, "dataSource");
    }

    /**
     * Sets the schema of the store's tables (default {@code public}); it is created if missing.
     *
     * @param value a name matching {@code [a-z_][a-z0-9_]*}
     * @return this builder
     * @throws IllegalArgumentException if the name breaks that rule
     */
    public Builder schema(String value) {
      this.schema = Checks.sqlIdentifier("schema", value);
      return this;
    }

    /**
     * Sets a prefix for the store's table names (default none), e.g. {@code cairn_}.
     *
     * @param value a prefix matching {@code [a-z_][a-z0-9_]*}
     * @return this builder
     * @throws IllegalArgumentException if the prefix breaks that rule
     */
    public Builder tablePrefix(String value) {
      this.prefix = Checks.sqlIdentifier("table prefix", value);
      return this;
    }

    /**
     * Sets the largest payload one event may have (default 1 MiB).
     *
     * @param bytes the limit in bytes of UTF-8 JSON
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxEventBytes(int bytes) {
      this.maxEventBytes = Checks.positive("max event bytes", bytes);
      return this;
    }

    /**
     * Announces every append on the {@value #NOTIFY_CHANNEL} LISTEN/NOTIFY channel (default off),
     * so relays in other processes wake at once instead of at their next poll.
     *
     * @param value true to announce
     * @return this builder
     */
    public Builder notifyOnAppend(boolean value) {
      this.notify = value;
      return this;
    }

    /**
     * Sets the registry for the store's metrics (default Micrometer's global registry).
     *
     * @param value the registry
     * @return this builder
     */
    public Builder meterRegistry(MeterRegistry value) {
      this.meters = requireNonNull(value, "meterRegistry");
      return this;
    }

    /**
     * Builds the store. Call {@link JdbcEventStore#migrate()} before first use.
     *
     * @return the store
     */
    public JdbcEventStore build() {
      return new JdbcEventStore(this);
    }
  }
}
