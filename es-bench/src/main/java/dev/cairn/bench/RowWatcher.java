package dev.cairn.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Sees rows become visible in a read-model table, for end-to-end latency: while it watches an
 * open loop, it queries the table every millisecond (or at another interval) for rows committed
 * since its last look and reports each to the loop as completed. Seeing the row committed is the end of the latency, so
 * it is measured from outside the pipeline, after its commit, by any reader.
 *
 * <p>The table has a {@code tag bigint} column, the loop's repetition in the high 32 bits and the
 * operation's index in the low 32, and a {@code seen bigint GENERATED ALWAYS AS IDENTITY} column
 * with an index. One transaction at a time writes the table (a projection runner is one thread),
 * so {@code seen} grows in commit order and {@code seen > last} never skips a row.
 */
final class RowWatcher implements AutoCloseable {

  private static final Duration DEFAULT_INTERVAL = Duration.ofMillis(1);

  /** What the watcher reports to: a repetition and its loop. */
  private record Watch(int rep, OpenLoop loop) {}

  private final Connection connection;
  private final PreparedStatement poll;
  private final PollThread thread;
  private final long intervalNanos;
  private volatile @Nullable Watch watch;
  private long last;

  RowWatcher(DataSource ds, String table, String name) throws SQLException {
    this(ds, table, name, DEFAULT_INTERVAL);
  }

  /** Watches with another interval between queries than the default millisecond. */
  RowWatcher(DataSource ds, String table, String name, Duration interval) throws SQLException {
    this.intervalNanos = interval.toNanos();
    this.connection = ds.getConnection();
    this.poll = connection.prepareStatement("SELECT seen, tag FROM " + table + " WHERE seen > ? ORDER BY seen");
    this.thread = new PollThread("bench-watch-" + name, this::round);
  }

  /** The tag of operation {@code index} of repetition {@code rep}. */
  static long tag(int rep, int index) {
    return ((long) rep << 32) | index;
  }

  /** Reports rows of this repetition to this loop, until {@link #idle()}. */
  void watch(int rep, OpenLoop loop) {
    watch = new Watch(rep, loop);
  }

  /** Stops querying until the next {@link #watch}. */
  void idle() {
    watch = null;
  }

  /**
   * Throws if the watcher failed.
   *
   * @throws IllegalStateException with the failure as its cause
   */
  void check() {
    thread.check("watcher");
  }

  private void round() throws SQLException {
    Watch w = watch;
    if (w == null) {
      LockSupport.parkNanos(10 * intervalNanos);
      return;
    }
    poll.setLong(1, last);
    try (ResultSet rs = poll.executeQuery()) {
      while (rs.next()) {
        last = rs.getLong(1);
        long tag = rs.getLong(2);
        // Rows of an earlier repetition (a priming run cut short) are passed over.
        if ((int) (tag >>> 32) == w.rep()) {
          w.loop().completed((int) tag);
        }
      }
    }
    LockSupport.parkNanos(intervalNanos);
  }

  @Override
  public void close() throws SQLException {
    thread.stop();
    connection.close();
  }
}
