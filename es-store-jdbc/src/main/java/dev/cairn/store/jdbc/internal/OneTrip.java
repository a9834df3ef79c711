package dev.cairn.store.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * What is left after a transaction sent in one round trip ({@code BEGIN ...; COMMIT}) failed, and
 * the clean-up. A statement that fails makes PostgreSQL skip the rest of the round trip, {@code
 * COMMIT} included, and leaves the transaction block failed; a failed {@code COMMIT} ends it rolled
 * back. Only a connection that broke leaves the outcome unknown.
 */
final class OneTrip {

  private OneTrip() {}

  /**
   * Tells whether a failed one-round-trip transaction surely did not commit: the server answered
   * with an error and the connection is still usable. False when the connection broke (the commit
   * may have happened before it did).
   *
   * @param c the connection it ran on
   * @param failure what the driver threw
   * @return true if nothing of the transaction was committed
   */
  static boolean surelyRolledBack(Connection c, Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        String state = sql.getSQLState();
        // 08: the connection broke; 57P0x: the server ended the session (shutdown, terminated).
        if (state == null || state.startsWith("08") || state.startsWith("57P")) {
          return false;
        }
      }
    }
    try {
      return !c.isClosed() && state(c) != TransactionState.OPEN;
    } catch (SQLException e) {
      return false;
    }
  }

  /**
   * Ends the failed transaction block a one-round-trip transaction left on its connection, so the
   * connection goes back to its pool usable. Failures of the clean-up are added to the original.
   *
   * @param c the connection
   * @param failure the original failure
   */
  static void rollBackFailed(Connection c, SQLException failure) {
    try {
      if (!c.isClosed() && state(c) != TransactionState.IDLE) {
        try (Statement st = c.createStatement()) {
          st.execute("ROLLBACK");
        }
      }
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }

  private static TransactionState state(Connection c) throws SQLException {
    return c.unwrap(BaseConnection.class).getTransactionState();
  }
}
