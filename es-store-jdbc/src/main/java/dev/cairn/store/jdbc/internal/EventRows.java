package dev.cairn.store.jdbc.internal;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/** The column list every event read selects, and the mapper that reads it. */
final class EventRows {

  // The transaction id is selected as text under another name: an output column named tx_id
  // would shadow the xid8 column in ORDER BY and sort "1000" before "999".
  static final String COLUMNS = """
      global_position, tx_id::text AS tx_text, event_id, stream_id, stream_type, version, event_type, \
      schema_revision, payload::text AS payload, metadata::text AS metadata, recorded_at""";

  static final RowMapper<RecordedEvent> MAPPER = EventRows::map;

  private EventRows() {}

  private static RecordedEvent map(ResultSet rs, StatementContext ctx) throws SQLException {
    return new RecordedEvent(
        rs.getObject("event_id", UUID.class),
        rs.getString("stream_id"),
        rs.getString("stream_type"),
        rs.getLong("version"),
        new GlobalPosition(Long.parseLong(rs.getString("tx_text")), rs.getLong("global_position")),
        rs.getObject("recorded_at", OffsetDateTime.class).toInstant(),
        rs.getString("event_type"),
        rs.getInt("schema_revision"),
        rs.getString("payload"),
        MetadataJson.read(rs.getString("metadata")));
  }
}
