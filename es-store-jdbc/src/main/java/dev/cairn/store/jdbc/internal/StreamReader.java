package dev.cairn.store.jdbc.internal;

import dev.cairn.api.RecordedEvent;
import dev.cairn.store.jdbc.spi.StoreTables;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** Reads one stream: its events by version or by time, and its row (type and version). */
public final class StreamReader {

  private static final String READ = """
      SELECT %s FROM %s
      WHERE stream_id = :id AND version > :after AND version <= :upTo
      ORDER BY version LIMIT :limit
      """;

  private static final String READ_AS_OF = """
      SELECT %s FROM %s
      WHERE stream_id = :id AND recorded_at <= :at ORDER BY version
      """;

  private static final String STREAM_ROW = """
      SELECT stream_type, version FROM %s WHERE stream_id = :id
      """;

  /**
   * A stream's row.
   *
   * @param streamType the stream's type
   * @param version the stream's version
   */
  record StreamRow(String streamType, long version) {}

  private final String readSql;
  private final String readAsOfSql;
  private final String streamRowSql;

  /**
   * Creates the reader.
   *
   * @param tables the store's tables
   */
  public StreamReader(StoreTables tables) {
    String events = tables.qualified("events");
    this.readSql = READ.formatted(EventRows.COLUMNS, events);
    this.readAsOfSql = READ_AS_OF.formatted(EventRows.COLUMNS, events);
    this.streamRowSql = STREAM_ROW.formatted(tables.qualified("streams"));
  }

  /**
   * Reads a stream forward.
   *
   * @param h the handle
   * @param streamId the stream
   * @param afterVersion read events above this version
   * @param upToVersion and at or below this one
   * @param limit the most events to return
   * @return the events in version order
   */
  public List<RecordedEvent> read(Handle h, String streamId, long afterVersion, long upToVersion, int limit) {
    return h.createQuery(readSql)
        .bind("id", streamId)
        .bind("after", afterVersion)
        .bind("upTo", upToVersion)
        .bind("limit", limit)
        .map(EventRows.MAPPER)
        .list();
  }

  /**
   * Reads a stream's events recorded at or before an instant.
   *
   * @param h the handle
   * @param streamId the stream
   * @param instant the instant
   * @return the events in version order
   */
  public List<RecordedEvent> readAsOf(Handle h, String streamId, Instant instant) {
    return h.createQuery(readAsOfSql)
        .bind("id", streamId)
        .bind("at", OffsetDateTime.ofInstant(instant, ZoneOffset.UTC))
        .map(EventRows.MAPPER)
        .list();
  }

  /**
   * Returns a stream's version.
   *
   * @param h the handle
   * @param streamId the stream
   * @return its version, 0 if it does not exist
   */
  public long version(Handle h, String streamId) {
    return row(h, streamId).map(StreamRow::version).orElse(0L);
  }

  Optional<StreamRow> row(Handle h, String streamId) {
    return h.createQuery(streamRowSql)
        .bind("id", streamId)
        .map((rs, ctx) -> new StreamRow(rs.getString("stream_type"), rs.getLong("version")))
        .findOne();
  }
}
