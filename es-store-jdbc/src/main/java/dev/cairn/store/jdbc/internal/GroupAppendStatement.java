package dev.cairn.store.jdbc.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventStoreException;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import dev.cairn.store.jdbc.spi.StoreTables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;

/**
 * The appends of several streams as one statement: a compare-and-set per stream row, then the
 * events of the streams whose compare-and-set succeeded, in one round trip. Each stream appears
 * once per group (the {@link GroupCommit} never puts two appends to one stream in a group).
 *
 * <p>Like {@link AppendStatement}, a loser draws no sequence value: the events of a stream whose
 * row was not created or advanced are filtered out before the insert. Their order in the global
 * order is the order of the requests, and within a request the order of its events.
 */
final class GroupAppendStatement {

  private static final String GROUP = """
      WITH r AS (
        SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[])
          AS r(stream_id, stream_type, expected, to_version)),
      created AS (
        INSERT INTO %1$s (stream_id, stream_type, version)
        SELECT stream_id, stream_type, to_version FROM r WHERE expected = 0
        ON CONFLICT (stream_id) DO NOTHING RETURNING stream_id),
      advanced AS (
        UPDATE %1$s s SET version = r.to_version, updated_at = now()
        FROM r WHERE s.stream_id = r.stream_id AND r.expected > 0
          AND s.version = r.expected AND s.stream_type = r.stream_type
        RETURNING s.stream_id),
      won AS (SELECT stream_id FROM created UNION ALL SELECT stream_id FROM advanced),
      e AS (
        INSERT INTO %2$s
          (event_id, stream_id, stream_type, version, event_type, schema_revision, payload, metadata)
        SELECT u.event_id, u.stream_id, u.stream_type, u.version, u.event_type, u.schema_revision,
          u.payload::jsonb, u.metadata::jsonb
        FROM unnest(?::uuid[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::int[], ?::text[], ?::text[])
          WITH ORDINALITY
          AS u(event_id, stream_id, stream_type, version, event_type, schema_revision, payload, metadata, ord)
        WHERE u.stream_id IN (SELECT stream_id FROM won)
        ORDER BY u.ord
        RETURNING stream_id, version, global_position, tx_id, recorded_at)
      SELECT stream_id, version, global_position, tx_id::text AS tx_text, recorded_at FROM e""";

  private static final String ROWS = """
      SELECT stream_id, stream_type, version FROM %s WHERE stream_id = ANY(?::text[])
      """;

  private static final String NOTIFY = "; SELECT pg_notify('%s', ?)";

  private final String sql;
  private final String oneTripSql;
  private final String rowsSql;
  private final String schema;
  private final boolean notify;

  /** With a null {@code notifyChannel}, appends are not announced. */
  GroupAppendStatement(StoreTables tables, GlobalFence fence, @Nullable String notifyChannel) {
    String body = GROUP.formatted(tables.qualified("streams"), tables.qualified("events"));
    this.notify = notifyChannel != null;
    String notifySql = notify ? NOTIFY.formatted(notifyChannel) : "";
    this.sql = AppendStatement.REPEATABLE_READ + "; " + fence.declareSql() + "; " + body + notifySql;
    this.oneTripSql =
        AppendStatement.BEGIN_REPEATABLE_READ + "; " + fence.declareSql() + "; " + body + notifySql + "; COMMIT";
    this.rowsSql = ROWS.formatted(tables.qualified("streams"));
    this.schema = tables.schema();
  }

  /**
   * What the statement did for one request.
   *
   * @param stored the stored events, or null if the compare-and-set failed
   * @param actual the stream's row when the compare-and-set failed (null if the stream does not
   *     exist): as the group's snapshot saw it, or just after the group committed in one trip
   */
  record Outcome(@Nullable List<RecordedEvent> stored, StreamReader.@Nullable StreamRow actual) {
    boolean won() {
      return stored != null;
    }
  }

  /**
   * The group failed: whether it surely did not commit, and why.
   */
  static final class Failed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean rolledBack;

    Failed(boolean rolledBack, RuntimeException cause) {
      super(cause.getMessage(), cause);
      this.rolledBack = rolledBack;
    }

    /** True if nothing of the group was committed; false if that is unknown. */
    boolean rolledBack() {
      return rolledBack;
    }
  }

  /**
   * Runs the group. With {@code oneTrip} the handle is in auto-commit and the group is a whole
   * transaction in one round trip ({@code BEGIN ISOLATION LEVEL REPEATABLE READ}, the declaration,
   * the group, {@code COMMIT}); a failure is a {@link Failed} saying whether it surely did not
   * commit. Without it the handle's transaction has just begun: the statement sets REPEATABLE READ,
   * declares the transaction an appender and appends in one round trip, and the caller commits.
   *
   * @param h the handle
   * @param requests the requests, at most one per stream
   * @param oneTrip whether the group commits in the same round trip
   * @return an outcome per request, in the requests' order
   */
  List<Outcome> execute(Handle h, List<AppendRequest> requests, boolean oneTrip) {
    int streams = requests.size();
    String[] ids = new String[streams];
    String[] streamTypes = new String[streams];
    Long[] expected = new Long[streams];
    Long[] to = new Long[streams];
    int total = 0;
    for (int i = 0; i < streams; i++) {
      AppendRequest r = requests.get(i);
      ids[i] = r.streamId();
      streamTypes[i] = r.streamType();
      expected[i] = r.expectedVersion();
      to[i] = r.expectedVersion() + r.events().size();
      total += r.events().size();
    }
    UUID[] eventIds = new UUID[total];
    String[] eventStreams = new String[total];
    String[] eventStreamTypes = new String[total];
    Long[] versions = new Long[total];
    String[] types = new String[total];
    Integer[] revisions = new Integer[total];
    String[] payloads = new String[total];
    String[] metadatas = new String[total];
    int k = 0;
    for (AppendRequest r : requests) {
      long version = r.expectedVersion();
      for (NewEvent e : r.events()) {
        eventIds[k] = e.eventId();
        eventStreams[k] = r.streamId();
        eventStreamTypes[k] = r.streamType();
        versions[k] = ++version;
        types[k] = e.eventType();
        revisions[k] = e.schemaRevision();
        payloads[k] = e.payload();
        metadatas[k] = MetadataJson.write(e.metadata());
        k++;
      }
    }
    Map<String, RecordedEvent[]> stored = new HashMap<>();
    Connection c = h.getConnection();
    try (PreparedStatement ps = c.prepareStatement(oneTrip ? oneTripSql : sql)) {
      int p = 1;
      ps.setArray(p++, c.createArrayOf("text", ids));
      ps.setArray(p++, c.createArrayOf("text", streamTypes));
      ps.setArray(p++, c.createArrayOf("int8", expected));
      ps.setArray(p++, c.createArrayOf("int8", to));
      ps.setArray(p++, c.createArrayOf("uuid", eventIds));
      ps.setArray(p++, c.createArrayOf("text", eventStreams));
      ps.setArray(p++, c.createArrayOf("text", eventStreamTypes));
      ps.setArray(p++, c.createArrayOf("int8", versions));
      ps.setArray(p++, c.createArrayOf("text", types));
      ps.setArray(p++, c.createArrayOf("int4", revisions));
      ps.setArray(p++, c.createArrayOf("text", payloads));
      ps.setArray(p++, c.createArrayOf("text", metadatas));
      if (notify) {
        ps.setString(p, schema);
      }
      Map<String, AppendRequest> byStream = new HashMap<>();
      for (AppendRequest r : requests) {
        byStream.put(r.streamId(), r);
      }
      AppendStatement.forEachRow(
          ps,
          5,
          rs -> {
            String id = rs.getString("stream_id");
            // The statement returns events of the requested streams only.
            AppendRequest r = requireNonNull(byStream.get(id), "request of a stored stream");
            long version = rs.getLong("version");
            stored.computeIfAbsent(id, x -> new RecordedEvent[r.events().size()])[(int) (version - r.expectedVersion() - 1)] =
                AppendStatement.stored(r, version, rs);
          });
    } catch (SQLException e) {
      EventStoreException failure = EventStoreException.of("appending to " + streams + " streams in one group", e);
      if (!oneTrip) {
        throw failure;
      }
      boolean rolledBack = OneTrip.surelyRolledBack(c, e);
      OneTrip.rollBackFailed(c, e);
      throw new Failed(rolledBack, failure);
    }
    List<String> losers = new ArrayList<>();
    for (AppendRequest r : requests) {
      if (!stored.containsKey(r.streamId())) {
        losers.add(r.streamId());
      }
    }
    Map<String, StreamReader.StreamRow> actual = losers.isEmpty() ? Map.of() : rows(h, losers);
    List<Outcome> outcomes = new ArrayList<>(streams);
    for (AppendRequest r : requests) {
      RecordedEvent[] events = stored.get(r.streamId());
      if (events == null) {
        outcomes.add(new Outcome(null, actual.get(r.streamId())));
        continue;
      }
      for (RecordedEvent e : events) {
        if (e == null) {
          throw new IllegalStateException("stream " + r.streamId() + ": not all of its events were stored");
        }
      }
      outcomes.add(new Outcome(List.of(events), null));
    }
    return outcomes;
  }

  /** Reads the rows of streams whose compare-and-set failed, in the handle's transaction. */
  private Map<String, StreamReader.StreamRow> rows(Handle h, List<String> streamIds) {
    Map<String, StreamReader.StreamRow> rows = new HashMap<>();
    h.createQuery(rowsSql)
        .bind(0, streamIds.toArray(String[]::new))
        .map((rs, ctx) -> Map.entry(rs.getString("stream_id"),
            new StreamReader.StreamRow(rs.getString("stream_type"), rs.getLong("version"))))
        .forEach(e -> rows.put(e.getKey(), e.getValue()));
    return rows;
  }
}
