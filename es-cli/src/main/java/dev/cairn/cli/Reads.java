package dev.cairn.cli;

import static dev.cairn.cli.Output.row;

import dev.cairn.api.GlobalPosition;
import dev.cairn.store.jdbc.JdbcEventStore;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;

/**
 * The queries behind the read commands, over the store's tables alone (the CLI runs in another
 * process than the runners, so it reads what they committed and reported).
 */
final class Reads {

  private final JdbcEventStore store;

  Reads(JdbcEventStore store) {
    this.store = store;
  }

  String table(String name) {
    return store.qualifiedTable(name);
  }

  boolean exists(Handle h, String name) {
    return h.createQuery("SELECT to_regclass(:t) IS NOT NULL").bind("t", table(name)).mapTo(Boolean.class).one();
  }

  boolean exists(String name) {
    return store.jdbi().withHandle(h -> exists(h, name));
  }

  /** Stream types with their stream and event counts. */
  List<Map<String, @Nullable Object>> streamTypes() {
    return store.jdbi().withHandle(h -> !exists(h, "streams") ? List.<Map<String, @Nullable Object>>of()
        : h.createQuery("SELECT stream_type, count(*), sum(version) FROM " + table("streams")
                + " GROUP BY stream_type ORDER BY stream_type")
            .map((rs, ctx) -> row("streamType", rs.getString(1), "streams", rs.getLong(2), "events", rs.getLong(3)))
            .list());
  }

  /** The relays that recorded a position, with how far behind the head each is. */
  List<Map<String, @Nullable Object>> relays() {
    return store.jdbi().withHandle(h -> !exists(h, "relay_positions") ? List.<Map<String, @Nullable Object>>of()
        : h.createQuery("SELECT transactional_id, tx_id, global_position, updated_at FROM " + table("relay_positions")
                + " ORDER BY transactional_id")
            .map((rs, ctx) -> {
              GlobalPosition p = new GlobalPosition(rs.getLong(2), rs.getLong(3));
              return row("transactionalId", rs.getString(1), "position", p.toString(),
                  "eventsBehind", store.countAfter(p), "updatedAt", instant(rs.getObject(4, OffsetDateTime.class)));
            })
            .list());
  }

  /** Every projection version with its status, checkpoint or offsets, lag and open dead letters. */
  List<Map<String, @Nullable Object>> projections() {
    return store.jdbi().withHandle(h -> {
      if (!exists(h, "projection_versions")) {
        return List.<Map<String, @Nullable Object>>of();
      }
      return h.createQuery("""
              SELECT v.name, v.version, v.status,
                c.tx_id, c.position, c.updated_at,
                (SELECT count(*) FROM %2$s o WHERE o.name = v.name AND o.version = v.version),
                (SELECT max(o.updated_at) FROM %2$s o WHERE o.name = v.name AND o.version = v.version),
                (SELECT min(o.last_tx_id) FROM %2$s o WHERE o.name = v.name AND o.version = v.version),
                (SELECT count(*) FROM %3$s d WHERE d.name = v.name AND d.version = v.version AND d.status = 'PARKED'),
                (SELECT d.error FROM %3$s d WHERE d.name = v.name AND d.version = v.version AND d.status = 'PARKED'
                  ORDER BY d.id DESC LIMIT 1),
                v.paused_at IS NOT NULL,
                (SELECT sum(l.value::bigint) FROM %5$s r, jsonb_each_text(CAST(r.status AS jsonb) -> 'lag') l
                  WHERE r.name = v.name AND r.version = v.version AND r.updated_at > now() - interval '30 seconds'),
                (SELECT count(*) FROM %5$s r WHERE r.name = v.name AND r.version = v.version
                  AND r.updated_at > now() - interval '30 seconds')
              FROM %1$s v LEFT JOIN %4$s c ON c.name = v.name AND c.version = v.version
              ORDER BY v.name, v.version"""
              .formatted(table("projection_versions"), table("projection_offsets"),
                  table("projection_dead_letters"), table("projection_checkpoints"), table("projection_runners")))
          .map((rs, ctx) -> {
            boolean storeFed = rs.getObject(4) != null;
            long partitions = rs.getLong(7);
            String source = storeFed ? "store" : partitions > 0 ? "kafka (" + partitions + " partitions)" : "-";
            String position = storeFed ? new GlobalPosition(rs.getLong(4), rs.getLong(5)).toString() : null;
            // Kafka-fed: the lag its running runners reported (the CLI cannot see the consumer).
            Object lag = storeFed ? (Object) store.countAfter(new GlobalPosition(rs.getLong(4), rs.getLong(5)))
                : rs.getObject(13) == null ? null : rs.getLong(13);
            OffsetDateTime committed = storeFed ? rs.getObject(6, OffsetDateTime.class) : rs.getObject(8, OffsetDateTime.class);
            return row("name", rs.getString(1), "version", rs.getInt(2), "status", rs.getString(3),
                "paused", rs.getBoolean(12), "runners", rs.getLong(14), "source", source, "position", position, "lag", lag, "lastCommit", instant(committed),
                "parked", rs.getLong(10), "lastError", rs.getString(11));
          })
          .list();
    });
  }

  /** The open (or, with {@code all}, every) dead letters, newest first, filtered. */
  List<Map<String, @Nullable Object>> deadLetters(
      @Nullable String projection, @Nullable String stream, @Nullable String error, boolean all, int limit) {
    return store.jdbi().withHandle(h -> {
      if (!exists(h, "projection_dead_letters")) {
        return List.<Map<String, @Nullable Object>>of();
      }
      return h.createQuery("""
              SELECT id, name, version, status, stream_id, stream_version, event_type, position, tx_id,
                attempts, parked_at, error, topic, partition, kafka_offset
              FROM %s
              WHERE (:all OR status IN ('PARKED', 'HELD'))
                AND (CAST(:projection AS text) IS NULL OR name = :projection)
                AND (CAST(:stream AS text) IS NULL OR stream_id = :stream)
                AND (CAST(:error AS text) IS NULL OR error ILIKE '%%' || :error || '%%')
              ORDER BY id DESC LIMIT :limit""".formatted(table("projection_dead_letters")))
          .bind("all", all)
          .bind("projection", projection)
          .bind("stream", stream)
          .bind("error", error)
          .bind("limit", limit)
          .map((rs, ctx) -> row("id", rs.getLong(1), "projection", rs.getString(2), "version", rs.getInt(3),
              "status", rs.getString(4), "stream", rs.getString(5), "streamVersion", rs.getObject(6),
              "eventType", rs.getString(7),
              "position", rs.getObject(8) == null ? null : rs.getLong(9) + "/" + rs.getLong(8),
              "attempts", rs.getInt(10), "parkedAt", instant(rs.getObject(11, OffsetDateTime.class)),
              "error", rs.getString(12)))
          .list();
    });
  }

  /** One dead letter in full, or null. */
  @Nullable Map<String, @Nullable Object> deadLetter(long id) {
    return store.jdbi().withHandle(h -> !exists(h, "projection_dead_letters") ? null
        : h.createQuery("""
                SELECT id, name, version, status, event_id, stream_id, stream_type, stream_version, tx_id, position,
                  recorded_at, event_type, schema_revision, payload, metadata, topic, partition, kafka_offset,
                  error, stack, attempts, parked_at, resolved_at
                FROM %s WHERE id = :id""".formatted(table("projection_dead_letters")))
            .bind("id", id)
            .map((rs, ctx) -> row("id", rs.getLong(1), "projection", rs.getString(2), "version", rs.getInt(3),
                "status", rs.getString(4), "eventId", rs.getString(5), "stream", rs.getString(6),
                "streamType", rs.getString(7), "streamVersion", rs.getObject(8),
                "position", rs.getObject(10) == null ? null : rs.getLong(9) + "/" + rs.getLong(10),
                "recordedAt", instant(rs.getObject(11, OffsetDateTime.class)), "eventType", rs.getString(12),
                "schemaRevision", rs.getObject(13), "payload", rs.getString(14), "metadata", rs.getString(15),
                "topic", rs.getString(16), "partition", rs.getObject(17), "offset", rs.getObject(18),
                "error", rs.getString(19), "attempts", rs.getInt(21),
                "parkedAt", instant(rs.getObject(22, OffsetDateTime.class)),
                "resolvedAt", instant(rs.getObject(23, OffsetDateTime.class)), "stack", rs.getString(20)))
            .findOne().orElse(null));
  }

  /** One stream's events (all columns but the transaction id), oldest first. */
  List<Map<String, @Nullable Object>> streamEvents(String streamId, long after, int limit) {
    return store.jdbi().withHandle(h -> h.createQuery("""
            SELECT version, tx_id::text, global_position, event_type, schema_revision, recorded_at, event_id,
              payload::text, metadata->>'correlation_id', metadata->>'causation_id', metadata::text
            FROM %s WHERE stream_id = :id AND version > :after ORDER BY version LIMIT :limit"""
            .formatted(table("events")))
        .bind("id", streamId)
        .bind("after", after)
        .bind("limit", limit)
        .map((rs, ctx) -> row("version", rs.getLong(1), "position", rs.getString(2) + "/" + rs.getLong(3),
            "eventType", rs.getString(4), "revision", rs.getInt(5),
            "recordedAt", instant(rs.getObject(6, OffsetDateTime.class)), "eventId", rs.getString(7),
            "correlationId", rs.getString(9), "causationId", rs.getString(10),
            "payload", rs.getString(8), "metadata", rs.getString(11)))
        .list());
  }

  /** A stream's row, or null. */
  @Nullable Map<String, @Nullable Object> stream(String streamId) {
    return store.jdbi().withHandle(h -> h.createQuery(
            "SELECT stream_id, stream_type, version, created_at, updated_at FROM " + table("streams")
                + " WHERE stream_id = :id")
        .bind("id", streamId)
        .map((rs, ctx) -> row("streamId", rs.getString(1), "streamType", rs.getString(2), "version", rs.getLong(3),
            "createdAt", instant(rs.getObject(4, OffsetDateTime.class)),
            "updatedAt", instant(rs.getObject(5, OffsetDateTime.class))))
        .findOne().orElse(null));
  }

  static @Nullable String instant(@Nullable OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}
