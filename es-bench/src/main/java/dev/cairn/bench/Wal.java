package dev.cairn.bench;

import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * Write-ahead log per event: PostgreSQL's WAL insert position read before and after each measured
 * repetition of one side, divided by the events that side wrote in it.
 *
 * <p>The window is one side's repetition only: interleaved sides never share it, and the position
 * is read on a connection of the side's own pool after its workers have stopped. The WAL is the
 * whole server's, so anything else writing to the same server in that window (autovacuum, a
 * checkpoint, another client of a {@code CAIRN_PG_URL} server) is counted too. The first change
 * of a page after a checkpoint writes the whole page (full_page_writes), so a repetition a
 * checkpoint fell into reads high: each repetition records whether the last checkpoint's redo
 * position moved in its window, and the report gives the median of the repetitions.
 *
 * <p>The insert position ({@code pg_current_wal_insert_lsn()}) rather than the write position
 * ({@code pg_current_wal_lsn()}): with synchronous_commit off the write position lags what the
 * side's commits inserted by whatever is still in the WAL buffers.
 *
 * <p>On a durable server the window also counts the WAL flushes (fsyncs of the WAL) the server
 * made, from {@code pg_stat_io} (PostgreSQL 18) or {@code pg_stat_wal} (14 to 17), and reports
 * events per flush: how many commits PostgreSQL's own flush sharing put behind one flush on the
 * raw side, against the events of a group on Cairn's. A backend publishes its counters at most
 * once a second, so before each reading every connection of the side's pool is asked to publish
 * its own ({@code pg_stat_force_next_flush()}, which takes effect when the statement ends). With
 * fsync off no commit is flushed and the figure is absent.
 */
final class Wal {

  private static final String POSITION = """
      SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint,
             (SELECT redo_lsn::text FROM pg_control_checkpoint()),
             %s
      """;

  /**
   * WAL fsyncs since the statistics were reset: PostgreSQL 18 moved them to pg_stat_io. Context
   * {@code normal} only: {@code init} counts the fsync of each new WAL segment, even with fsync off.
   */
  private static final String FLUSHES_18 =
      "(SELECT sum(fsyncs) FROM pg_stat_io WHERE object = 'wal' AND context = 'normal')::bigint";

  private static final String FLUSHES_14 = "(SELECT wal_sync FROM pg_stat_wal)";

  private static final String PUBLISH = "SELECT pg_stat_force_next_flush()";

  private Wal() {}

  /**
   * One repetition of a throughput side with its WAL.
   *
   * @param eventsPerSec the side's throughput
   * @param walBytesPerEvent WAL bytes written in the window per event the side wrote
   * @param checkpoint whether a checkpoint's redo position moved in the window
   * @param eventsPerFlush events per WAL flush in the window; NaN if the server made none (fsync
   *     off) or its counters could not be read
   */
  record Sample(double eventsPerSec, double walBytesPerEvent, boolean checkpoint, double eventsPerFlush) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%.0f events/s %.0f WAL B/event%s%s", eventsPerSec, walBytesPerEvent,
          Double.isNaN(eventsPerFlush) ? "" : String.format(Locale.ROOT, " %.1f events/flush", eventsPerFlush),
          checkpoint ? " (checkpoint)" : "");
    }
  }

  /**
   * The medians of both sides' repetitions, Cairn's first, with every repetition's WAL figure.
   *
   * @param cairn Cairn's median events/s
   * @param baseline the baseline's median events/s
   * @param cairnWal Cairn's median WAL bytes per event
   * @param baselineWal the baseline's median WAL bytes per event
   * @param cairnPerFlush Cairn's median events per WAL flush (NaN if not measured)
   * @param baselinePerFlush the baseline's median events per WAL flush (NaN if not measured)
   * @param runs both sides' repetitions, in the order they ran
   */
  record Figures(double cairn, double baseline, double cairnWal, double baselineWal, double cairnPerFlush,
      double baselinePerFlush, Interleaved.Runs<Sample> runs) {

    /** The WAL figures as the JSON report's {@code details} hold them. */
    Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("cairn", Math.round(cairnWal));
      m.put("baseline", Math.round(baselineWal));
      m.put("cairn_repetitions", runs.cairn().stream().map(s -> Math.round(s.walBytesPerEvent())).toList());
      m.put("baseline_repetitions", runs.baseline().stream().map(s -> Math.round(s.walBytesPerEvent())).toList());
      m.put("repetitions_with_checkpoint",
          runs.cairn().stream().filter(Sample::checkpoint).count()
              + runs.baseline().stream().filter(Sample::checkpoint).count());
      if (!Double.isNaN(cairnPerFlush) && !Double.isNaN(baselinePerFlush)) {
        m.put("cairn_events_per_flush", Math.round(cairnPerFlush * 10) / 10.0);
        m.put("baseline_events_per_flush", Math.round(baselinePerFlush * 10) / 10.0);
      }
      return m;
    }
  }

  /**
   * Measures events/s of an operation as {@link Measure#throughput} does, and the WAL the server
   * wrote in each measured window per event the operation reported.
   */
  static Measure<Sample> throughput(DataSource pool, ExecutorService workers, int threads, Measure.Op op) {
    LongAdder events = new LongAdder();
    Measure<Double> inner =
        Measure.throughput(workers, threads, t -> {
          long n = op.run(t);
          events.add(n);
          return n;
        });
    return duration -> {
      events.reset();
      Position before = position(pool);
      double rate = inner.run(duration);
      Position after = position(pool);
      long n = events.sum();
      long flushes = before.flushes() < 0 || after.flushes() < 0 ? 0 : after.flushes() - before.flushes();
      return new Sample(rate, n == 0 ? Double.NaN : (after.bytes() - before.bytes()) / (double) n,
          after.redo() != null && !after.redo().equals(before.redo()),
          n == 0 || flushes <= 0 ? Double.NaN : n / (double) flushes);
    };
  }

  /** Runs two sides interleaved and returns the medians of their throughput and WAL per event. */
  static Figures interleaved(Settings settings, PrintStream log, String row, Measure<Sample> cairn,
      Measure<Sample> baseline) throws Exception {
    Interleaved.Runs<Sample> runs = Interleaved.run(settings, log, row, cairn, baseline);
    return new Figures(median(runs.cairn(), Sample::eventsPerSec), median(runs.baseline(), Sample::eventsPerSec),
        median(runs.cairn(), Sample::walBytesPerEvent), median(runs.baseline(), Sample::walBytesPerEvent),
        measuredMedian(runs.cairn(), Sample::eventsPerFlush), measuredMedian(runs.baseline(), Sample::eventsPerFlush),
        runs);
  }

  private static double median(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> f) {
    return Stats.median(samples.stream().mapToDouble(f).toArray());
  }

  /** The median of the repetitions that have the figure; NaN if none has it. */
  private static double measuredMedian(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> f) {
    double[] measured = samples.stream().mapToDouble(f).filter(v -> !Double.isNaN(v)).toArray();
    return measured.length == 0 ? Double.NaN : Stats.median(measured);
  }

  /**
   * The WAL insert position in bytes, the last checkpoint's redo position (null if unreadable) and
   * the WAL flushes so far (-1 if unreadable).
   */
  private record Position(long bytes, String redo, long flushes) {}

  private static Position position(DataSource pool) throws SQLException {
    boolean published = publishCounters(pool);
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      String flushes = c.getMetaData().getDatabaseMajorVersion() >= 18 ? FLUSHES_18 : FLUSHES_14;
      try (ResultSet rs = s.executeQuery(POSITION.formatted(flushes))) {
        rs.next();
        long n = rs.getLong(3);
        return new Position(rs.getLong(1), rs.getString(2), published && !rs.wasNull() ? n : -1);
      }
    }
  }

  /**
   * Asks every connection of the pool to publish its statistics now; false if it could not (a pool
   * of unknown size, or a server that refuses), and the flush count is then not trusted.
   */
  private static boolean publishCounters(DataSource pool) {
    if (!(pool instanceof HikariDataSource hikari)) {
      return false;
    }
    List<Connection> held = new ArrayList<>();
    try {
      // Holding them all at once reaches every backend of the pool, not one connection many times.
      for (int i = 0; i < hikari.getMaximumPoolSize(); i++) {
        held.add(hikari.getConnection());
      }
      for (Connection c : held) {
        try (Statement s = c.createStatement()) {
          s.execute(PUBLISH);
        }
      }
      return true;
    } catch (SQLException e) {
      return false;
    } finally {
      for (Connection c : held) {
        try {
          c.close();
        } catch (SQLException ignored) {
          // returning a connection to the pool; nothing to undo
        }
      }
    }
  }
}
