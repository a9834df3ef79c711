package dev.cairn.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * The raw baseline's events table: the same columns, types, defaults, constraints and indexes as
 * Cairn's {@code events} table, so that the baseline pays for the same rows and indexes and the
 * difference is what Cairn adds (the stream row's compare-and-set, REPEATABLE READ, Jdbi).
 */
final class RawEvents {

  static final String TABLE = "raw.events";

  static final String COLUMNS =
      "event_id, stream_id, stream_type, version, event_type, schema_revision, payload, metadata";

  static final String ROW = "(?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb)";

  private RawEvents() {}

  static void create(DataSource ds) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA IF NOT EXISTS raw");
      s.execute(
          "CREATE TABLE " + TABLE + " ("
              + " global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
              + " tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),"
              + " event_id uuid NOT NULL UNIQUE,"
              + " stream_id text NOT NULL,"
              + " stream_type text NOT NULL,"
              + " version bigint NOT NULL CHECK (version > 0),"
              + " event_type text NOT NULL,"
              + " schema_revision int NOT NULL CHECK (schema_revision > 0),"
              + " payload jsonb NOT NULL,"
              + " metadata jsonb NOT NULL,"
              + " recorded_at timestamptz NOT NULL DEFAULT now(),"
              + " CONSTRAINT raw_events_stream_version UNIQUE (stream_id, version))");
      s.execute("CREATE INDEX raw_events_global_order ON " + TABLE + " (tx_id, global_position)");
    }
  }

  /** A multi-row INSERT of {@code rows} events, in the column order of {@link #COLUMNS}. */
  static String insert(int rows) {
    StringBuilder sql = new StringBuilder("INSERT INTO " + TABLE + " (" + COLUMNS + ") VALUES ");
    for (int i = 0; i < rows; i++) {
      sql.append(i == 0 ? "" : ", ").append(ROW);
    }
    return sql.toString();
  }

  /** The metadata JSON both sides write: one correlation id, as Cairn's own writer renders it. */
  static String metadataJson(String correlationId) {
    return "{\"correlation_id\":\"" + correlationId + "\"}";
  }
}
