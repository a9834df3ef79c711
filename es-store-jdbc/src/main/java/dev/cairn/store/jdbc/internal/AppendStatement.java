package dev.cairn.store.jdbc.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.AppendResult;
import dev.cairn.api.ConcurrencyConflictException;
import dev.cairn.api.EventStoreException;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import dev.cairn.store.jdbc.spi.StoreTables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;

/**
 * The append as one statement: the compare-and-set on the stream row, then the events, inserted
 * only if the compare-and-set succeeded, so a losing writer never draws a sequence value.
 */
final class AppendStatement {

  static final String REPEATABLE_READ = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ";

  private static final String CREATE_STREAM = """
      WITH s AS (INSERT INTO %s (stream_id, stream_type, version) VALUES (?, ?, ?)
        ON CONFLICT (stream_id) DO NOTHING RETURNING 1)
      """;

  private static final String ADVANCE_STREAM = """
      WITH s AS (UPDATE %s SET version = ?, updated_at = now()
        WHERE stream_id = ? AND version = ? AND stream_type = ? RETURNING 1)
      """;

  private static final String INSERT_EVENTS = """
      , e AS (INSERT INTO %s
          (event_id, stream_id, stream_type, version, event_type, schema_revision, payload, metadata)
        SELECT u.event_id, ?, ?, u.version, u.event_type, u.schema_revision,
          u.payload::jsonb, u.metadata::jsonb
        FROM unnest(?::uuid[], ?::bigint[], ?::text[], ?::int[], ?::text[], ?::text[])
          AS u(event_id, version, event_type, schema_revision, payload, metadata)
        WHERE EXISTS (SELECT 1 FROM s)
        RETURNING version, global_position, tx_id, recorded_at)
      SELECT version, global_position, tx_id::text AS tx_text, recorded_at FROM e""";

  // A single event needs no arrays: plain parameters spare the client building them and the
  // server parsing and unnesting them.
  private static final String INSERT_ONE_EVENT = """
      , e AS (INSERT INTO %s
          (event_id, stream_id, stream_type, version, event_type, schema_revision, payload, metadata)
        SELECT ?::uuid, ?, ?, ?::bigint, ?, ?::int, ?::jsonb, ?::jsonb
        WHERE EXISTS (SELECT 1 FROM s)
        RETURNING version, global_position, tx_id, recorded_at)
      SELECT version, global_position, tx_id::text AS tx_text, recorded_at FROM e""";

  private static final String NOTIFY = "; SELECT pg_notify('%s', ?)";

  private final StoreTables tables;
  private final @Nullable String notifySuffix;
  private final StreamReader streams;
  private final String declare;
  /** By mode: create many, advance many, create one, advance one. */
  private final Map<Mode, String[]> statements = new EnumMap<>(Mode.class);

  /** With a null {@code notifyChannel}, appends are not announced. */
  AppendStatement(StoreTables tables, GlobalFence fence, @Nullable String notifyChannel, StreamReader streams) {
    this.tables = tables;
    this.declare = fence.declareSql();
    this.streams = streams;
    String streamTable = tables.qualified("streams");
    String events = tables.qualified("events");
    String create = CREATE_STREAM.formatted(streamTable);
    String advance = ADVANCE_STREAM.formatted(streamTable);
    String createStreamSql = create + INSERT_EVENTS.formatted(events);
    String advanceStreamSql = advance + INSERT_EVENTS.formatted(events);
    String createStreamOneSql = create + INSERT_ONE_EVENT.formatted(events);
    String advanceStreamOneSql = advance + INSERT_ONE_EVENT.formatted(events);
    this.notifySuffix = notifyChannel == null ? null : NOTIFY.formatted(notifyChannel);
    // Every form of the statement built once, not per append: (events, new stream) x mode.
    for (Mode mode : Mode.values()) {
      String[] forms = {createStreamSql, advanceStreamSql, createStreamOneSql, advanceStreamOneSql};
      for (int i = 0; i < forms.length; i++) {
        forms[i] = wrap(mode, forms[i]);
      }
      statements.put(mode, forms);
    }
  }

  /** How an append statement meets its transaction. */
  enum Mode {
    /** The caller's transaction, already at REPEATABLE READ and declared. */
    IN_TRANSACTION,
    /**
     * A transaction just begun by the caller: the statement sets REPEATABLE READ and declares it an
     * appender (before its first write, see {@link GlobalFence}) in its own round trip; the caller
     * commits (a second round trip).
     */
    BEGUN,
    /**
     * A handle in auto-commit: the statement is the whole transaction, {@code BEGIN ISOLATION
     * LEVEL REPEATABLE READ}, the declaration, the append and {@code COMMIT}, sent in one round
     * trip. If a statement fails, PostgreSQL skips the rest, {@code COMMIT} included.
     */
    ONE_TRIP
  }

  static final String BEGIN_REPEATABLE_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ";

  /** The statement in its transaction: the mode's prefix, the notification, the commit. */
  private String wrap(Mode mode, String body) {
    String sql = switch (mode) {
      case IN_TRANSACTION -> body;
      case BEGUN -> REPEATABLE_READ + "; " + declare + "; " + body;
      case ONE_TRIP -> BEGIN_REPEATABLE_READ + "; " + declare + "; " + body;
    };
    if (notifySuffix != null) {
      sql = sql + notifySuffix;
    }
    return mode == Mode.ONE_TRIP ? sql + "; COMMIT" : sql;
  }

  /**
   * Appends on a handle, in the transaction the mode says. pgjdbc sends all of the statements in
   * one round trip.
   */
  AppendResult execute(Handle h, AppendRequest request, Mode mode) {
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
    // The constructor built the statements of every mode.
    String[] forms = requireNonNull(statements.get(mode), "statements");
    String sql = forms[(n == 1 ? 2 : 0) + (expected == 0 ? 0 : 1)];
    RecordedEvent[] stored = new RecordedEvent[n];
    int count;
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
      if (notifySuffix != null) {
        ps.setString(p, tables.schema());
      }
      count =
          forEachRow(
              ps,
              4,
              rs -> {
                long version = rs.getLong("version");
                stored[(int) (version - expected - 1)] = stored(request, version, rs);
              });
    } catch (SQLException e) {
      if (mode == Mode.ONE_TRIP) {
        OneTrip.rollBackFailed(c, e);
      }
      throw EventStoreException.of("appending to stream " + id, e);
    }
    if (count == 0) {
      throw conflictOrWrongType(h, request, mode != Mode.IN_TRANSACTION);
    }
    if (count != n) {
      throw new IllegalStateException("stream " + id + ": " + count + " of " + n + " events were stored");
    }
    return new AppendResult(id, to, List.of(stored));
  }

  /**
   * Explains a lost compare-and-set. In a caller's transaction its snapshot may be older than the
   * stream row that beat it, so the actual version is read on a fresh connection too.
   */
  private RuntimeException conflictOrWrongType(Handle h, AppendRequest request, boolean ownTransaction) {
    Optional<StreamReader.StreamRow> row = streams.row(h, request.streamId());
    if (!ownTransaction) {
      Optional<StreamReader.StreamRow> latest = h.getJdbi().withHandle(fresh -> streams.row(fresh, request.streamId()));
      if (latest.isPresent() && (row.isEmpty() || latest.get().version() > row.get().version())) {
        row = latest;
      }
    }
    return lostCompareAndSet(request, row.orElse(null));
  }

  /** Reads one row of a result set. */
  @FunctionalInterface
  interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }

  /**
   * Executes a statement of several parts and reads every row of its result sets that have the
   * given number of columns (the others, such as a declaration's or a notification's, are passed
   * over).
   *
   * @return how many rows were read
   */
  static int forEachRow(PreparedStatement ps, int columns, RowReader reader) throws SQLException {
    int rows = 0;
    boolean isResultSet = ps.execute();
    while (true) {
      if (isResultSet) {
        try (ResultSet rs = ps.getResultSet()) {
          while (rs.next() && rs.getMetaData().getColumnCount() == columns) {
            reader.read(rs);
            rows++;
          }
        }
      } else if (ps.getUpdateCount() == -1) {
        return rows;
      }
      isResultSet = ps.getMoreResults();
    }
  }

  /** The stored event of a request at a version, from a row holding its position and time. */
  static RecordedEvent stored(AppendRequest request, long version, ResultSet rs) throws SQLException {
    NewEvent e = request.events().get((int) (version - request.expectedVersion() - 1));
    return new RecordedEvent(
        e.eventId(),
        request.streamId(),
        request.streamType(),
        version,
        new GlobalPosition(Long.parseLong(rs.getString("tx_text")), rs.getLong("global_position")),
        rs.getObject("recorded_at", OffsetDateTime.class).toInstant(),
        e.eventType(),
        e.schemaRevision(),
        e.payload(),
        e.metadata());
  }

  /**
   * Says why a compare-and-set failed, given the stream's row as the append saw it.
   *
   * @param request the append
   * @param row the stream's row, or null if the stream does not exist
   * @return an {@link IllegalArgumentException} if the stream is of another type, else the conflict
   */
  static RuntimeException lostCompareAndSet(AppendRequest request, StreamReader.@Nullable StreamRow row) {
    if (row != null && !request.streamType().equals(row.streamType())) {
      return new IllegalArgumentException(
          "stream " + request.streamId() + " is of type " + row.streamType() + ", not " + request.streamType());
    }
    long actual = row == null ? 0L : row.version();
    return ConcurrencyConflictException.of(request.streamId(), request.expectedVersion(), actual, null);
  }
}
