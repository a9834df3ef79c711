package dev.cairn.bench;

import dev.cairn.bench.StalenessSampler.Sample;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Cuts a staleness run into windows of load time and summarises each: the staleness of the
 * commands due in it, how far the writers lagged, what the relay and the runner did, and the
 * oldest transaction holding an xid; then the trend of the p99 over the windows.
 */
final class StalenessWindows {

  private static final long AGE_STEP_NANOS = 100_000_000;

  /**
   * One window of load.
   *
   * @param fromS its start, seconds after the first command was due
   * @param toS its end
   * @param commands commands due in it
   * @param p50Ms staleness p50 of those commands, from the append's commit until the row was visible
   * @param p99Ms staleness p99
   * @param maxMs staleness max
   * @param unfinished commands whose row was never seen (counted at their lower bound)
   * @param ageMaxMs the read model's age at its worst in the window: the time since the oldest
   *     command committed but not yet visible had committed (sampled every 100 ms)
   * @param ageEndMs the read model's age at the window's end
   * @param writeP99Ms p99 of the time from due until the command's append committed
   * @param relayReadMeanMs mean {@code cairn.relay.read.delay} of the batches the relay read in it
   * @param relayReadMaxMs the largest read delay sampled in it
   * @param relayEventsPerBatch events per relay transaction
   * @param runnerBatches batches the runner committed in it
   * @param runnerEventsPerBatch events per runner batch
   * @param runnerBatchMeanMs mean runner batch duration (read, apply, commit)
   * @param runnerBatchMaxMs the longest runner batch sampled in it
   * @param relayBacklogMax the most events sampled appended but not yet in Kafka
   * @param runnerLagMax the most events sampled in Kafka but not yet applied
   * @param loadAverage the machine's one-minute load average at the window's end
   * @param xidMaxAgeMs the oldest transaction holding an xid, the oldest age sampled in it
   * @param xidRole who ran that transaction
   * @param xidQuery its last statement
   */
  record Window(
      double fromS,
      double toS,
      int commands,
      double p50Ms,
      double p99Ms,
      double maxMs,
      int unfinished,
      double ageMaxMs,
      double ageEndMs,
      double writeP99Ms,
      double relayReadMeanMs,
      double relayReadMaxMs,
      double relayEventsPerBatch,
      long runnerBatches,
      double runnerEventsPerBatch,
      double runnerBatchMeanMs,
      double runnerBatchMaxMs,
      double relayBacklogMax,
      double runnerLagMax,
      double loadAverage,
      double xidMaxAgeMs,
      String xidRole,
      String xidQuery) {}

  /** Who held the oldest xid: in how many samples, the longest age seen, and its state and statement then. */
  record Holder(String role, int samples, double maxAgeMs, String longestState, String longestQuery) {}

  private final List<Window> windows;
  private final List<Holder> holders;
  private final double p99SlopeMsPerS;
  private final double p50SlopeMsPerS;
  private final double p99SlopeLastHalf;
  private final double ageSlopeMsPerS;
  private final int peak;
  private final double ageSlopeToPeak;

  private StalenessWindows(List<Window> windows, List<Holder> holders) {
    this.windows = windows;
    this.holders = holders;
    this.p99SlopeMsPerS = slope(windows, Window::p99Ms);
    this.p50SlopeMsPerS = slope(windows, Window::p50Ms);
    this.p99SlopeLastHalf = slope(windows.subList(windows.size() / 2, windows.size()), Window::p99Ms);
    this.ageSlopeMsPerS = slope(windows, Window::ageMaxMs);
    int worst = 0;
    for (int i = 1; i < windows.size(); i++) {
      if (windows.get(i).ageMaxMs() > windows.get(worst).ageMaxMs()) {
        worst = i;
      }
    }
    this.peak = worst;
    this.ageSlopeToPeak = slope(windows.subList(0, worst + 1), Window::ageMaxMs);
  }

  /** The least-squares slope of a figure over the windows' mid-points, NaN for fewer than two. */
  private static double slope(List<Window> windows, java.util.function.ToDoubleFunction<Window> figure) {
    if (windows.size() < 2) {
      return Double.NaN;
    }
    double[] x = windows.stream().mapToDouble(w -> (w.fromS() + w.toS()) / 2).toArray();
    return Stats.slope(x, windows.stream().mapToDouble(figure).toArray());
  }

  /**
   * Summarises a run.
   *
   * @param start when the first command was due, in nanoTime
   * @param windowNanos the window length
   * @param due each command's due time
   * @param committed each command's commit time (when its append returned)
   * @param visible each command's visibility time, or {@link OpenLoop#UNFINISHED}
   * @param end when the run stopped waiting for rows; the lower bound of unfinished ones
   * @param samples the sampler's samples
   * @param classify names who ran a statement (relay, runner, writer)
   */
  static StalenessWindows of(long start, long windowNanos, long[] due, long[] committed, long[] visible, long end,
      List<Sample> samples, Function<String, String> classify) {
    int n = (int) ((due[due.length - 1] - start) / windowNanos) + 1;
    List<Window> windows = new ArrayList<>(n);
    for (int w = 0; w < n; w++) {
      long from = start + w * windowNanos;
      long to = from + windowNanos;
      List<Long> stale = new ArrayList<>();
      List<Long> write = new ArrayList<>();
      int unfinished = 0;
      for (int i = 0; i < due.length; i++) {
        if (due[i] >= from && due[i] < to) {
          long seen = visible[i] == OpenLoop.UNFINISHED ? end : visible[i];
          unfinished += visible[i] == OpenLoop.UNFINISHED ? 1 : 0;
          stale.add(Math.max(0, seen - committed[i]));
          write.add(committed[i] - due[i]);
        }
      }
      if (stale.isEmpty()) {
        continue;
      }
      long[] s = stale.stream().mapToLong(Long::longValue).toArray();
      long[] wr = write.stream().mapToLong(Long::longValue).toArray();
      Sample a = last(samples, from);
      Sample b = last(samples, to);
      double reads = b.relayReads() - a.relayReads();
      double batches = b.runnerBatches() - a.runnerBatches();
      Sample oldest = null;
      double relayMax = 0;
      double batchMax = 0;
      double backlogMax = 0;
      double lagMax = 0;
      for (Sample x : samples) {
        if (x.atNanos() >= from && x.atNanos() < to) {
          relayMax = Math.max(relayMax, x.relayReadMaxMs());
          batchMax = Math.max(batchMax, x.runnerBatchMaxMs());
          backlogMax = Math.max(backlogMax, x.relayBacklog());
          lagMax = Math.max(lagMax, x.runnerLag());
          if (oldest == null || x.xidAgeMs() > oldest.xidAgeMs()) {
            oldest = x;
          }
        }
      }
      windows.add(
          new Window(
              (from - start) / 1e9, (to - start) / 1e9, s.length,
              Stats.millis(Stats.percentile(s, 50)), Stats.millis(Stats.percentile(s, 99)),
              Stats.millis(Stats.percentile(s, 100)), unfinished, ageMax(committed, visible, end, from, to),
              Stats.millis(age(committed, visible, end, to)), Stats.millis(Stats.percentile(wr, 99)),
              reads == 0 ? Double.NaN : (b.relayReadTotalMs() - a.relayReadTotalMs()) / reads, relayMax,
              reads == 0 ? Double.NaN : (b.relayEvents() - a.relayEvents()) / reads,
              (long) batches,
              batches == 0 ? Double.NaN : (b.runnerEvents() - a.runnerEvents()) / batches,
              batches == 0 ? Double.NaN : (b.runnerBatchTotalMs() - a.runnerBatchTotalMs()) / batches, batchMax,
              backlogMax, lagMax, b.loadAverage(),
              oldest == null ? 0 : oldest.xidAgeMs(),
              oldest == null || oldest.xidPid() == 0 ? "-" : classify.apply(oldest.xidQuery()),
              oldest == null ? "" : oldest.xidQuery()));
    }
    return new StalenessWindows(windows, holders(samples, start, end, classify));
  }

  /**
   * The read model's age at a time: how long ago the oldest command that had committed but was not
   * yet visible committed; zero if every committed command was visible.
   */
  static long age(long[] committed, long[] visible, long end, long at) {
    long oldest = Long.MAX_VALUE;
    for (int i = 0; i < committed.length; i++) {
      long seen = visible[i] == OpenLoop.UNFINISHED ? end : visible[i];
      if (committed[i] != 0 && committed[i] <= at && seen > at && committed[i] < oldest) {
        oldest = committed[i];
      }
    }
    return oldest == Long.MAX_VALUE ? 0 : at - oldest;
  }

  private static double ageMax(long[] committed, long[] visible, long end, long from, long to) {
    long max = 0;
    for (long at = from; at < to; at += AGE_STEP_NANOS) {
      max = Math.max(max, age(committed, visible, end, at));
    }
    return Stats.millis(max);
  }

  /** The last sample at or before a time, or the first if none is. */
  private static Sample last(List<Sample> samples, long at) {
    Sample found = samples.get(0);
    for (Sample s : samples) {
      if (s.atNanos() <= at) {
        found = s;
      }
    }
    return found;
  }

  private static List<Holder> holders(List<Sample> samples, long start, long end, Function<String, String> classify) {
    Map<String, Holder> byRole = new TreeMap<>();
    for (Sample s : samples) {
      if (s.atNanos() < start || s.atNanos() > end || s.xidPid() == 0) {
        continue;
      }
      String role = classify.apply(s.xidQuery());
      Holder h = byRole.get(role);
      if (h == null) {
        byRole.put(role, new Holder(role, 1, s.xidAgeMs(), s.xidState(), s.xidQuery()));
      } else {
        boolean longer = s.xidAgeMs() > h.maxAgeMs();
        byRole.put(role, new Holder(role, h.samples() + 1, Math.max(h.maxAgeMs(), s.xidAgeMs()),
            longer ? s.xidState() : h.longestState(), longer ? s.xidQuery() : h.longestQuery()));
      }
    }
    return byRole.values().stream().sorted((a, b) -> Integer.compare(b.samples(), a.samples())).toList();
  }

  List<Window> windows() {
    return windows;
  }

  /** The least-squares slope of the windows' p99, in ms of staleness per second of load. */
  double p99SlopeMsPerS() {
    return p99SlopeMsPerS;
  }

  /** The slope of the p99 over the second half of the windows: whether it still grows at the end. */
  double p99SlopeLastHalf() {
    return p99SlopeLastHalf;
  }

  /**
   * The slope of the read model's worst age per window, in ms per second of load: about 1000 when
   * the pipeline stands still, 0 when it keeps up.
   */
  double ageSlopeMsPerS() {
    return ageSlopeMsPerS;
  }

  /** The window in which the read model's age was at its worst. */
  Window peak() {
    return windows.get(peak);
  }

  /**
   * The slope of the read model's worst age per window from the first window up to its peak: how
   * fast it fell behind while it did; NaN if it was at its worst in the first window.
   */
  double ageSlopeToPeak() {
    return ageSlopeToPeak;
  }

  /** The same for the p50. */
  double p50SlopeMsPerS() {
    return p50SlopeMsPerS;
  }

  /** Prints the windows as a table, then the trend and who held the oldest xid. */
  void print(PrintStream log) {
    log.println("  staleness p50/p99/max of the commands due in the window, its read model's age max/at end,"
        + " writers' lag p99 (due -> commit), ms | relay: read delay mean/max ms,"
        + " events per Kafka tx, most events not yet in Kafka | runner: batches, events per batch, duration"
        + " mean/max ms, most events in Kafka not yet applied | machine load average | oldest xid: age ms, held by");
    log.printf(Locale.ROOT, "  %-9s %5s %7s %7s %7s %5s %7s %7s %6s | %7s %7s %5s %6s | %5s %6s %7s %7s %6s | %5s | %7s %s%n",
        "window s", "cmds", "p50", "p99", "max", "unfin", "age max", "age end", "wr p99", "rd mean", "rd max", "ev/tx", "behind",
        "batch", "ev/bat", "mean", "max", "lag", "load", "xid age", "held by");
    for (Window w : windows) {
      log.printf(Locale.ROOT,
          "  %4.0f-%-4.0f %5d %7.0f %7.0f %7.0f %5d %7.0f %7.0f %6.0f | %7.1f %7.0f %5.1f %6.0f | %5d %6.1f %7.1f %7.0f %6.0f | %5.1f | %7.0f %s%n",
          w.fromS(), w.toS(), w.commands(), w.p50Ms(), w.p99Ms(), w.maxMs(), w.unfinished(), w.ageMaxMs(),
          w.ageEndMs(), w.writeP99Ms(),
          w.relayReadMeanMs(), w.relayReadMaxMs(), w.relayEventsPerBatch(), w.relayBacklogMax(), w.runnerBatches(),
          w.runnerEventsPerBatch(), w.runnerBatchMeanMs(), w.runnerBatchMaxMs(), w.runnerLagMax(), w.loadAverage(),
          w.xidMaxAgeMs(),
          w.xidRole());
    }
    log.printf(Locale.ROOT, "  trend: p99 %+.1f ms per second of load, p50 %+.1f ms/s; p99 over the second half %+.1f ms/s;"
        + " read model's age (max per window) %+.1f ms/s; age at its worst %.0f ms in %.0f-%.0f s, %+.1f ms/s up to"
        + " then%n", p99SlopeMsPerS, p50SlopeMsPerS, p99SlopeLastHalf, ageSlopeMsPerS, peak().ageMaxMs(),
        peak().fromS(), peak().toS(), ageSlopeToPeak);
    log.println("  oldest xid holder, over all samples (every " + StalenessSampler.INTERVAL_MILLIS + " ms):");
    for (Holder h : holders) {
      log.printf(Locale.ROOT, "    %-26s %5d samples, longest %6.0f ms (%s): %s%n", h.role(), h.samples(),
          h.maxAgeMs(), h.longestState(), h.longestQuery());
    }
  }

  /** The windows, trend and holders, for the JSON report. */
  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("p99_slope_ms_per_s", round(p99SlopeMsPerS));
    m.put("p50_slope_ms_per_s", round(p50SlopeMsPerS));
    m.put("p99_slope_second_half_ms_per_s", round(p99SlopeLastHalf));
    m.put("age_slope_ms_per_s", round(ageSlopeMsPerS));
    m.put("age_peak_ms", round(peak().ageMaxMs()));
    m.put("age_peak_window_from_s", round(peak().fromS()));
    m.put("age_slope_to_peak_ms_per_s", round(ageSlopeToPeak));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Window w : windows) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("from_s", round(w.fromS()));
      r.put("to_s", round(w.toS()));
      r.put("commands", w.commands());
      r.put("p50_ms", round(w.p50Ms()));
      r.put("p99_ms", round(w.p99Ms()));
      r.put("max_ms", round(w.maxMs()));
      r.put("unfinished", w.unfinished());
      r.put("age_max_ms", round(w.ageMaxMs()));
      r.put("age_end_ms", round(w.ageEndMs()));
      r.put("write_p99_ms", round(w.writeP99Ms()));
      r.put("relay_read_delay_mean_ms", round(w.relayReadMeanMs()));
      r.put("relay_read_delay_max_ms", round(w.relayReadMaxMs()));
      r.put("relay_events_per_tx", round(w.relayEventsPerBatch()));
      r.put("runner_batches", w.runnerBatches());
      r.put("runner_events_per_batch", round(w.runnerEventsPerBatch()));
      r.put("runner_batch_mean_ms", round(w.runnerBatchMeanMs()));
      r.put("runner_batch_max_ms", round(w.runnerBatchMaxMs()));
      r.put("relay_backlog_max_events", round(w.relayBacklogMax()));
      r.put("runner_lag_max_events", round(w.runnerLagMax()));
      r.put("load_average", round(w.loadAverage()));
      r.put("oldest_xid_age_ms", round(w.xidMaxAgeMs()));
      r.put("oldest_xid_role", w.xidRole());
      r.put("oldest_xid_query", w.xidQuery());
      rows.add(r);
    }
    m.put("windows", rows);
    List<Map<String, Object>> hs = new ArrayList<>();
    for (Holder h : holders) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("role", h.role());
      r.put("samples", h.samples());
      r.put("longest_ms", round(h.maxAgeMs()));
      r.put("longest_state", h.longestState());
      r.put("longest_query", h.longestQuery());
      hs.add(r);
    }
    m.put("oldest_xid_holders", hs);
    return m;
  }

  private static @Nullable Double round(double v) {
    return Double.isNaN(v) ? null : Math.round(v * 10.0) / 10.0;
  }
}
