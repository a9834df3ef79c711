package dev.cairn.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;

/**
 * The garbage collector's stop-the-world collections in this JVM so far: how many, and their
 * summed time. A pause stops every thread of the pipeline at once (the appends, the relay, an
 * in-process broker, the runner), so two readings tell whether a slow repetition paused.
 *
 * @param count collections that stop the application
 * @param millis their summed time, as the JVM reports it
 */
record GcPauses(long count, long millis) {

  /** The counters now, summed over the collectors that pause the application. */
  static GcPauses read() {
    return sum(ManagementFactory.getGarbageCollectorMXBeans());
  }

  /**
   * Sums the pausing collectors among {@code collectors}: G1's and ZGC's beans named
   * "... Concurrent ..." or "... Cycles" count work done beside the application and are left out.
   */
  static GcPauses sum(List<GarbageCollectorMXBean> collectors) {
    long count = 0;
    long millis = 0;
    for (GarbageCollectorMXBean gc : collectors) {
      if (!pauses(gc.getName())) {
        continue;
      }
      count += Math.max(0, gc.getCollectionCount());
      millis += Math.max(0, gc.getCollectionTime());
    }
    return new GcPauses(count, millis);
  }

  /** Whether a collector of this name stops the application while it collects. */
  static boolean pauses(String collectorName) {
    return !collectorName.contains("Concurrent") && !collectorName.endsWith("Cycles");
  }

  /** The pauses since {@code earlier}, as "GC 3 pauses, 85 ms". */
  String since(GcPauses earlier) {
    return String.format(Locale.ROOT, "GC %d pauses, %d ms", count - earlier.count, millis - earlier.millis);
  }
}
