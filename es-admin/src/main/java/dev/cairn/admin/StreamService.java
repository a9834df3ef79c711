package dev.cairn.admin;

import com.fasterxml.jackson.annotation.JsonRawValue;
import dev.cairn.admin.internal.AdminJson;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.store.jdbc.JdbcEventStore;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.NoSuchElementException;
import org.jspecify.annotations.Nullable;

/** Reads streams and the global order, with each event's payload and metadata. */
public final class StreamService {

  private final @Nullable JdbcEventStore store;

  StreamService(@Nullable JdbcEventStore store) {
    this.store = store;
  }

  /**
   * One event.
   *
   * @param position its global position {@code tx/pos}
   * @param streamId its stream
   * @param streamType its stream's type
   * @param version its version in the stream
   * @param eventId its id
   * @param eventType its logical type
   * @param schemaRevision its payload's revision
   * @param recordedAt when it was appended
   * @param payload its JSON as stored
   * @param metadata its metadata as stored (correlation and causation ids, trace parent, ...)
   */
  public record Event(
      String position,
      String streamId,
      String streamType,
      long version,
      String eventId,
      String eventType,
      int schemaRevision,
      Instant recordedAt,
      @JsonRawValue String payload,
      @JsonRawValue String metadata) {}

  /**
   * One stream.
   *
   * @param streamId its id
   * @param streamType its type
   * @param version its current version
   * @param events its events after the version asked for, up to the limit
   */
  public record Stream(String streamId, String streamType, long version, List<Event> events) {}

  /**
   * Events of the global order.
   *
   * @param items the events
   * @param head the newest position readers can see
   */
  public record Tail(List<Event> items, String head) {}

  /**
   * Reads a stream.
   *
   * @param streamId the stream's id
   * @param afterVersion events after this version (0 for all)
   * @param limit at most this many (1 to 500)
   * @return the stream
   * @throws NoSuchElementException if there is no such stream
   * @throws IllegalArgumentException if the version or limit is out of bounds
   */
  public Stream stream(String streamId, long afterVersion, int limit) {
    JdbcEventStore store = StoreService.required(this.store);
    if (afterVersion < 0) {
      throw new IllegalArgumentException("after must be a version >= 0, was " + afterVersion);
    }
    Page.check(limit, 0);
    record Row(String type, long version) {}
    Row row =
        store.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT stream_type, version FROM " + store.qualifiedTable("streams") + " WHERE stream_id = :id")
                        .bind("id", streamId)
                        .map((rs, ctx) -> new Row(rs.getString(1), rs.getLong(2)))
                        .findOne())
            .orElseThrow(() -> new NoSuchElementException("no stream " + streamId));
    List<Event> events = store.readStream(streamId, afterVersion, limit).stream().map(StreamService::event).toList();
    return new Stream(streamId, row.type(), row.version(), events);
  }

  /**
   * Reads the newest events readers can see, newest first.
   *
   * @param limit at most this many (1 to 500)
   * @return the events and the head
   */
  public Tail newest(int limit) {
    JdbcEventStore store = StoreService.required(this.store);
    Page.check(limit, 0);
    GlobalPosition head = store.headPosition();
    List<Event> events =
        store.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "SELECT global_position, tx_id::text AS tx, event_id, stream_id, stream_type, version, event_type,"
                                + " schema_revision, payload::text AS payload, metadata::text AS metadata, recorded_at FROM "
                                + store.qualifiedTable("events")
                                + " WHERE (tx_id, global_position) <= (CAST(CAST(:tx AS text) AS xid8), :pos)"
                                + " ORDER BY tx_id DESC, global_position DESC LIMIT :limit")
                        .bind("tx", head.txId())
                        .bind("pos", head.position())
                        .bind("limit", limit)
                        .map(
                            (rs, ctx) ->
                                new Event(
                                    new GlobalPosition(Long.parseLong(rs.getString("tx")), rs.getLong("global_position")).toString(),
                                    rs.getString("stream_id"),
                                    rs.getString("stream_type"),
                                    rs.getLong("version"),
                                    rs.getObject("event_id").toString(),
                                    rs.getString("event_type"),
                                    rs.getInt("schema_revision"),
                                    rs.getObject("recorded_at", OffsetDateTime.class).toInstant(),
                                    rs.getString("payload"),
                                    rs.getString("metadata")))
                        .list());
    return new Tail(events, head.toString());
  }

  /**
   * Reads the global order after a position, as readers see it.
   *
   * @param after the position
   * @param limit at most this many (1 to 500)
   * @return the events and the head
   */
  public Tail after(GlobalPosition after, int limit) {
    JdbcEventStore store = StoreService.required(this.store);
    Page.check(limit, 0);
    GlobalPosition head = store.headPosition();
    return new Tail(store.readGlobal(after, limit).stream().map(StreamService::event).toList(), head.toString());
  }

  static Event event(RecordedEvent e) {
    return new Event(
        e.position().toString(),
        e.streamId(),
        e.streamType(),
        e.version(),
        e.eventId().toString(),
        e.eventType(),
        e.schemaRevision(),
        e.recordedAt(),
        e.payload(),
        AdminJson.writeString(e.metadata()));
  }
}
