package dev.cairn.store.jdbc.internal;

import java.sql.SQLException;

/** Reads PostgreSQL's SQL states out of a failure's causes. */
final class SqlStates {

  private SqlStates() {}

  /** Tells whether a failure is a unique violation of the named constraint. */
  static boolean isUniqueViolation(Throwable e, String constraint) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
        return String.valueOf(sql.getMessage()).contains(constraint);
      }
    }
    return false;
  }

  /** Tells whether an append failed because another writer got to the stream first. */
  static boolean isRaceLost(Throwable e) {
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
}
