package dev.cairn.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One row of the report: Cairn's figure beside its baseline's, measured in the same run.
 *
 * <p>For throughput, {@code ratio = cairn / baseline} (events/s, higher is better). For latency,
 * {@code cairn} and {@code baseline} are p50 in milliseconds and {@code ratio = baseline / cairn},
 * so above 1 again means Cairn is faster.
 *
 * @param name the row's name, such as {@code append_single_8w}
 * @param unit {@code events/s} or {@code ms}
 * @param cairn Cairn's figure
 * @param baseline the baseline's figure
 * @param ratio the ratio, oriented so that higher is better
 * @param cairnLatency Cairn's p50/p99, for latency rows; otherwise null
 * @param baselineLatency the baseline's p50/p99, for latency rows; otherwise null
 * @param target the target this row is held to, such as {@code ratio >= 0.8}; null if none
 * @param met whether the target was met; null if there is none
 * @param note what the two sides do, in a few words
 * @param details more figures for the JSON report, such as a time series; null if none
 */
record Result(
    String name,
    String unit,
    double cairn,
    double baseline,
    double ratio,
    @Nullable Latency cairnLatency,
    @Nullable Latency baselineLatency,
    @Nullable String target,
    @Nullable Boolean met,
    String note,
    @Nullable Map<String, Object> details) {

  /** The key of the WAL figures in {@link #details}. */
  static final String WAL = "wal_bytes_per_event";

  /** A throughput row held to a minimum ratio. */
  static Result throughput(String name, double cairnPerSec, double baselinePerSec, double minRatio, String note) {
    double ratio = cairnPerSec / baselinePerSec;
    return new Result(
        name, "events/s", cairnPerSec, baselinePerSec, ratio, null, null,
        String.format(java.util.Locale.ROOT, "ratio >= %.2f", minRatio), ratio >= minRatio, note, null);
  }

  /** A latency row held to a maximum p50 of Cairn's side. */
  static Result latency(String name, Latency cairn, Latency baseline, double maxP50Ms, String note) {
    return new Result(
        name, "ms", cairn.p50Ms(), baseline.p50Ms(), baseline.p50Ms() / cairn.p50Ms(), cairn, baseline,
        String.format(java.util.Locale.ROOT, "p50 <= %s ms", trim(maxP50Ms)), cairn.p50Ms() <= maxP50Ms, note, null);
  }

  /**
   * A latency row held to a maximum p99 of Cairn's side (the ratio is still of the p50s, as for
   * every latency row).
   */
  static Result latencyP99(String name, Latency cairn, Latency baseline, double maxP99Ms, String note) {
    return new Result(
        name, "ms", cairn.p50Ms(), baseline.p50Ms(), baseline.p50Ms() / cairn.p50Ms(), cairn, baseline,
        String.format(java.util.Locale.ROOT, "p99 <= %s ms", trim(maxP99Ms)), cairn.p99Ms() <= maxP99Ms, note, null);
  }

  /**
   * A row without a baseline: a figure of Cairn alone (such as how a latency trends under load),
   * held to a target; baseline and ratio are NaN and print as blanks.
   */
  static Result alone(String name, String unit, double value, String target, boolean met, String note,
      @Nullable Map<String, Object> details) {
    return new Result(name, unit, value, Double.NaN, Double.NaN, null, null, target, met, note, details);
  }

  /**
   * A latency row held to a minimum ratio of the p50s (baseline / Cairn), for a comparison with a
   * peer rather than with a bound of our own.
   */
  static Result latencyRatio(String name, Latency cairn, Latency baseline, double minRatio, String note) {
    double ratio = baseline.p50Ms() / cairn.p50Ms();
    return new Result(
        name, "ms", cairn.p50Ms(), baseline.p50Ms(), ratio, cairn, baseline,
        String.format(java.util.Locale.ROOT, "ratio >= %.2f", minRatio), ratio >= minRatio, note, null);
  }

  /** Returns this row with both sides' WAL per event added to its details. */
  Result withWal(Wal.Figures wal) {
    Map<String, Object> d = details == null ? new LinkedHashMap<>() : new LinkedHashMap<>(details);
    d.put(WAL, wal.toJson());
    return new Result(name, unit, cairn, baseline, ratio, cairnLatency, baselineLatency, target, met, note, d);
  }

  /** Cairn's and the baseline's median WAL bytes per event, or null if this row has none. */
  long @Nullable [] walBytesPerEvent() {
    if (details != null && details.get(WAL) instanceof Map<?, ?> w
        && w.get("cairn") instanceof Long c && w.get("baseline") instanceof Long b) {
      return new long[] {c, b};
    }
    return null;
  }

  /** Cairn's and the baseline's median events per WAL flush, as "8.0 / 5.6", or null if not measured. */
  @Nullable String eventsPerFlush() {
    if (details != null && details.get(WAL) instanceof Map<?, ?> w
        && w.get("cairn_events_per_flush") instanceof Double c && w.get("baseline_events_per_flush") instanceof Double b) {
      return String.format(java.util.Locale.ROOT, "%.1f / %.1f", c, b);
    }
    return null;
  }

  /** Whether this row has a baseline to compare with. */
  boolean hasBaseline() {
    return !Double.isNaN(baseline);
  }

  /** The row as the JSON report writes it. */
  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("unit", unit);
    m.put("cairn", round(cairn));
    m.put("baseline", hasBaseline() ? round(baseline) : null);
    m.put("ratio", hasBaseline() ? round(ratio) : null);
    if (cairnLatency != null) {
      // Latency rows carry both sides' figures (every factory that sets one sets the other).
      Latency baselineLatency = Objects.requireNonNull(this.baselineLatency, "a latency row's baseline latency");
      m.put("p50_ms", round(cairnLatency.p50Ms()));
      m.put("p99_ms", round(cairnLatency.p99Ms()));
      m.put("samples", cairnLatency.samples());
      m.put("baseline_p50_ms", round(baselineLatency.p50Ms()));
      m.put("baseline_p99_ms", round(baselineLatency.p99Ms()));
      m.put("baseline_samples", baselineLatency.samples());
    }
    m.put("target", target);
    m.put("met", met);
    m.put("note", note);
    if (details != null) {
      m.put("details", details);
    }
    return m;
  }

  /**
   * Reads a row back from what {@link #toJson} wrote (its figures rounded to three decimals), as
   * a case run in a JVM of its own reports it.
   *
   * @param m the row, with whole numbers read as {@code Long}
   * @return the row
   */
  @SuppressWarnings("unchecked")
  static Result fromJson(Map<String, Object> m) {
    Latency cairn = null;
    Latency baseline = null;
    if (m.get("p50_ms") != null) {
      cairn = new Latency(number(m, "p50_ms"), number(m, "p99_ms"), ((Number) present(m, "samples")).longValue());
      baseline = new Latency(number(m, "baseline_p50_ms"), number(m, "baseline_p99_ms"),
          ((Number) present(m, "baseline_samples")).longValue());
    }
    return new Result(
        (String) present(m, "name"), (String) present(m, "unit"), number(m, "cairn"), number(m, "baseline"),
        number(m, "ratio"), cairn, baseline, (String) m.get("target"), (Boolean) m.get("met"),
        (String) present(m, "note"), (Map<String, Object>) m.get("details"));
  }

  /**
   * A value {@link #toJson} always writes non-null: the name, unit and note of every row, the
   * sample counts of a latency row.
   */
  private static Object present(Map<String, Object> m, String key) {
    return Objects.requireNonNull(m.get(key), key);
  }

  /** A figure of a JSON row; NaN where the row has none (no baseline, no ratio). */
  private static double number(Map<String, Object> m, String key) {
    return m.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  private static double round(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
