package dev.cairn.bench;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;

/**
 * Samples, every {@link #INTERVAL_MILLIS} ms on a thread of its own, what decides how stale the
 * read model runs: the oldest open transaction that holds a transaction id on the server (it
 * holds back the global-order fence, DESIGN rule 2) and the relay's and the runner's meters.
 *
 * <p>The transaction's age counts from its start ({@code xact_start}); it holds an xid from its
 * first write, so the age is an upper bound of how long it held the fence. Its {@code query} is
 * the last statement it ran (for a transaction idle between statements, the one before the idle).
 * The sampling query itself takes no xid.
 */
final class StalenessSampler implements AutoCloseable {

  static final long INTERVAL_MILLIS = 200;

  private static final String OLDEST_XID =
      """
      SELECT pid, EXTRACT(EPOCH FROM (clock_timestamp() - xact_start)) * 1000 AS age_ms, state,
             left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query,
             (SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL) AS holders
        FROM pg_stat_activity
       WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
       ORDER BY age(backend_xid) DESC
       LIMIT 1
      """;

  /**
   * One sample. The meter figures are cumulative (differences between samples give a window's
   * counts); the maxima are Micrometer's, over the last second or so (see {@link StalenessCase}).
   *
   * @param atNanos when, in {@link System#nanoTime()}
   * @param xidAgeMs the age of the oldest transaction holding an xid, 0 if none
   * @param xidHolders how many transactions held an xid
   * @param xidPid its backend's pid, 0 if none
   * @param xidState its state ({@code active}, {@code idle in transaction}), empty if none
   * @param xidQuery its last statement, shortened, empty if none
   * @param relayReads batches the relay read (count of {@code cairn.relay.read.delay})
   * @param relayReadTotalMs their read delays, summed
   * @param relayReadMaxMs the largest recent read delay
   * @param relayEvents events the relay published (sum of {@code cairn.relay.batch.size})
   * @param runnerBatches batches the runner committed (count of {@code cairn.projection.batch})
   * @param runnerBatchTotalMs their durations, summed
   * @param runnerBatchMaxMs the longest recent batch
   * @param runnerEvents events the runner applied ({@code cairn.projection.events})
   * @param relayBacklog events appended but not yet in Kafka: the store's last global position
   *     minus the relay's ({@code cairn.relay.position})
   * @param runnerLag events in Kafka not yet applied, over all partitions ({@code
   *     cairn.projection.lag})
   * @param loadAverage the machine's one-minute load average: other work competes for the cores
   */
  record Sample(
      long atNanos,
      double xidAgeMs,
      long xidHolders,
      int xidPid,
      String xidState,
      String xidQuery,
      long relayReads,
      double relayReadTotalMs,
      double relayReadMaxMs,
      double relayEvents,
      long runnerBatches,
      double runnerBatchTotalMs,
      double runnerBatchMaxMs,
      double runnerEvents,
      double relayBacklog,
      double runnerLag,
      double loadAverage) {}

  private final Connection connection;
  private final PreparedStatement oldest;
  private final PreparedStatement head;
  private final MeterRegistry meters;
  private final PollThread thread;
  private final List<Sample> samples = new CopyOnWriteArrayList<>();

  /**
   * Starts sampling.
   *
   * @param eventsTable the store's events table, qualified
   */
  StalenessSampler(DataSource ds, MeterRegistry meters, String eventsTable) throws SQLException {
    this.connection = ds.getConnection();
    connection.setAutoCommit(true);
    this.oldest = connection.prepareStatement(OLDEST_XID);
    this.head = connection.prepareStatement("SELECT coalesce(max(global_position), 0) FROM " + eventsTable);
    this.meters = meters;
    this.thread = new PollThread("bench-staleness-sampler", this::round);
  }

  /** The samples so far, oldest first. */
  List<Sample> samples() {
    return List.copyOf(samples);
  }

  /**
   * Throws if the sampler failed.
   *
   * @throws IllegalStateException with the failure as its cause
   */
  void check() {
    thread.check("sampler");
  }

  private void round() throws SQLException {
    samples.add(sample());
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(INTERVAL_MILLIS));
  }

  private Sample sample() throws SQLException {
    long at = System.nanoTime();
    double age = 0;
    long holders = 0;
    int pid = 0;
    String state = "";
    String query = "";
    try (ResultSet rs = oldest.executeQuery()) {
      if (rs.next()) {
        pid = rs.getInt("pid");
        age = rs.getDouble("age_ms");
        state = String.valueOf(rs.getString("state"));
        query = String.valueOf(rs.getString("query"));
        holders = rs.getLong("holders");
      }
    }
    long headPosition;
    try (ResultSet rs = head.executeQuery()) {
      rs.next();
      headPosition = rs.getLong(1);
    }
    Gauge relayPosition = meters.find("cairn.relay.position").gauge();
    double lag = meters.find("cairn.projection.lag").gauges().stream().mapToDouble(Gauge::value).sum();
    Timer read = meters.find("cairn.relay.read.delay").timer();
    DistributionSummary relayBatch = meters.find("cairn.relay.batch.size").summary();
    Timer batch = meters.find("cairn.projection.batch").timer();
    Counter events = meters.find("cairn.projection.events").counter();
    return new Sample(
        at, age, holders, pid, state, query,
        read == null ? 0 : read.count(),
        read == null ? 0 : read.totalTime(TimeUnit.MILLISECONDS),
        read == null ? 0 : read.max(TimeUnit.MILLISECONDS),
        relayBatch == null ? 0 : relayBatch.totalAmount(),
        batch == null ? 0 : batch.count(),
        batch == null ? 0 : batch.totalTime(TimeUnit.MILLISECONDS),
        batch == null ? 0 : batch.max(TimeUnit.MILLISECONDS),
        events == null ? 0 : events.count(),
        relayPosition == null ? Double.NaN : headPosition - relayPosition.value(),
        lag,
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  @Override
  public void close() throws SQLException {
    thread.stop();
    connection.close();
  }
}
