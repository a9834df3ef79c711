package dev.cairn.bench;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
 */
final class Wal {

  private static final String POSITION = """
      SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint,
             (SELECT redo_lsn::text FROM pg_control_checkpoint())
      """;

  private Wal() {}

  /**
   * One repetition of a throughput side with its WAL.
   *
   * @param eventsPerSec the side's throughput
   * @param walBytesPerEvent WAL bytes written in the window per event the side wrote
   * @param checkpoint whether a checkpoint's redo position moved in the window
   */
  record Sample(double eventsPerSec, double walBytesPerEvent, boolean checkpoint) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%.0f events/s %.0f WAL B/event%s", eventsPerSec, walBytesPerEvent,
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
   * @param runs both sides' repetitions, in the order they ran
   */
  record Figures(double cairn, double baseline, double cairnWal, double baselineWal, Interleaved.Runs<Sample> runs) {

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
      return new Sample(rate, n == 0 ? Double.NaN : (after.bytes() - before.bytes()) / (double) n,
          after.redo() != null && !after.redo().equals(before.redo()));
    };
  }

  /** Runs two sides interleaved and returns the medians of their throughput and WAL per event. */
  static Figures interleaved(Settings settings, PrintStream log, String row, Measure<Sample> cairn,
      Measure<Sample> baseline) throws Exception {
    Interleaved.Runs<Sample> runs = Interleaved.run(settings, log, row, cairn, baseline);
    return new Figures(median(runs.cairn(), Sample::eventsPerSec), median(runs.baseline(), Sample::eventsPerSec),
        median(runs.cairn(), Sample::walBytesPerEvent), median(runs.baseline(), Sample::walBytesPerEvent), runs);
  }

  private static double median(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> f) {
    return Stats.median(samples.stream().mapToDouble(f).toArray());
  }

  /** The WAL insert position in bytes, and the last checkpoint's redo position (null if unreadable). */
  private record Position(long bytes, String redo) {}

  private static Position position(DataSource pool) throws SQLException {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(POSITION)) {
      rs.next();
      return new Position(rs.getLong(1), rs.getString(2));
    }
  }
}
