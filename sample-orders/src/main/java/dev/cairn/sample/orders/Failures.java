package dev.cairn.sample.orders;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/** Tells a database that is briefly unavailable from a failure that is a bug. */
final class Failures {

  private Failures() {}

  /**
   * True if a cause of {@code e} says the database was unreachable or dropped the connection: a
   * connection exception (SQLState class 08), an operator intervention such as a killed backend
   * or a server shutting down (57P01 to 57P03), too many connections (53300), or a pool that
   * timed out waiting for a connection. Retrying later can succeed.
   */
  static boolean databaseUnavailable(Throwable e) {
    int depth = 0;
    for (Throwable t = e; t != null && depth < 32; t = t.getCause(), depth++) {
      if (t instanceof SQLTransientException || t instanceof SQLNonTransientConnectionException || t instanceof SQLRecoverableException) {
        return true;
      }
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        String state = sql.getSQLState();
        if (state.startsWith("08") || state.startsWith("57P0") || state.equals("53300")) {
          return true;
        }
      }
    }
    return false;
  }
}
