package dev.cairn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/** Prints the environment and the results as a table, and writes them as JSON. */
final class Report {

  private Report() {}

  static void printEnvironment(PrintStream out, Map<String, Object> env) {
    out.println("Environment");
    env.forEach((k, v) -> out.printf(Locale.ROOT, "  %-24s %s%n", k, v));
    out.println();
  }

  static void printTable(PrintStream out, List<Result> results, Map<String, String> failed, Map<String, String> pending) {
    out.println("Results (median of repetitions; ratio > 1 means Cairn is faster than the baseline;"
        + " WAL: bytes of write-ahead log per event, median of repetitions; flush: events per WAL flush, fsync on)");
    String header =
        String.format(Locale.ROOT, "%-22s %-9s %12s %12s %7s  %-17s %-4s %-13s %-13s %s", "case", "unit", "cairn",
            "baseline", "ratio", "target", "met", "WAL c/b", "flush c/b", "p99 cairn/baseline");
    out.println(header);
    out.println("-".repeat(header.length()));
    for (Result r : results) {
      Latency cairnLatency = r.cairnLatency();
      // A latency row carries both sides' figures.
      String p99 =
          cairnLatency == null
              ? ""
              : String.format(Locale.ROOT, "%.3f / %.3f ms", cairnLatency.p99Ms(),
                  Objects.requireNonNull(r.baselineLatency(), "a latency row's baseline latency").p99Ms());
      long[] wal = r.walBytesPerEvent();
      String flush = r.eventsPerFlush();
      out.printf(Locale.ROOT, "%-22s %-9s %12s %12s %7s  %-17s %-4s %-13s %-13s %s%n", r.name(), r.unit(),
          figure(r, r.cairn()), r.hasBaseline() ? figure(r, r.baseline()) : "-",
          r.hasBaseline() ? String.format(Locale.ROOT, "%.2f", r.ratio()) : "-", r.target() == null ? "" : r.target(),
          r.met() == null ? "" : r.met() ? "yes" : "NO", wal == null ? "" : wal[0] + " / " + wal[1],
          flush == null ? "" : flush, p99);
    }
    failed.forEach((name, why) -> out.printf(Locale.ROOT, "%-22s FAILED: %s%n", name, why));
    pending.forEach((name, why) -> out.printf(Locale.ROOT, "%-22s not yet measured: %s%n", name, why));
    out.println();
  }

  static void writeJson(
      Path file, Map<String, Object> env, List<Result> results, Map<String, String> failed, Map<String, String> pending)
      throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("env", env);
    List<Map<String, Object>> rows = new ArrayList<>();
    results.forEach(r -> rows.add(r.toJson()));
    root.put("results", rows);
    if (!failed.isEmpty()) {
      root.put("failed", failed);
    }
    if (!pending.isEmpty()) {
      root.put("pending", pending);
    }
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
  }

  private static String figure(Result r, double v) {
    if (r.cairnLatency() != null) {
      return String.format(Locale.ROOT, "%.3f", v);
    }
    return String.format(Locale.ROOT, r.hasBaseline() ? "%.0f" : "%.1f", v);
  }
}
