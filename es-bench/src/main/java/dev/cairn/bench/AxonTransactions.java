package dev.cairn.bench;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.transaction.Transaction;
import org.axonframework.common.transaction.TransactionManager;

/**
 * Axon's JDBC transactions on a pool, as an application without Spring gives them to Axon: a
 * transaction takes a connection from the pool, turns auto-commit off and binds it to the thread;
 * Axon's storage engine gets that connection from the {@link ConnectionProvider} (its {@code
 * close()} does nothing, since the engine closes what it gets after each statement) until the
 * transaction commits or rolls back and returns it to the pool. So one Axon append is one
 * transaction, one batch of INSERTs and one commit: the same round trips as a raw insert.
 *
 * <p>Transactions do not nest: the storage engine runs each append and each read page in a
 * transaction of its own, and nothing here starts one around it.
 */
final class AxonTransactions implements TransactionManager, ConnectionProvider {

  private final DataSource pool;
  /** The running transaction's connection and the view of it the engine gets, made once per transaction. */
  private final ThreadLocal<Bound> bound = new ThreadLocal<>();

  private record Bound(Connection connection, Connection unclosable) {}

  AxonTransactions(DataSource pool) {
    this.pool = pool;
  }

  @Override
  public Transaction startTransaction() {
    if (bound.get() != null) {
      throw new IllegalStateException("a transaction is already running on this thread");
    }
    Connection c;
    try {
      c = pool.getConnection();
      c.setAutoCommit(false);
    } catch (SQLException e) {
      throw new IllegalStateException("starting a transaction failed: " + e.getMessage(), e);
    }
    bound.set(new Bound(c, unclosable(c)));
    return new Transaction() {
      @Override
      public void commit() {
        end(c, true);
      }

      @Override
      public void rollback() {
        end(c, false);
      }
    };
  }

  private void end(Connection c, boolean commit) {
    bound.remove();
    try (c) {
      if (commit) {
        c.commit();
      } else {
        c.rollback();
      }
    } catch (SQLException e) {
      throw new IllegalStateException((commit ? "commit" : "rollback") + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Connection getConnection() throws SQLException {
    Bound b = bound.get();
    return b == null ? pool.getConnection() : b.unclosable();
  }

  /** The connection with a {@code close()} that does nothing; the transaction's end closes it. */
  private static Connection unclosable(Connection c) {
    return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          if (method.getName().equals("close") && method.getParameterCount() == 0) {
            return null;
          }
          try {
            return method.invoke(c, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
