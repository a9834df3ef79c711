package dev.cairn.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;

/**
 * CPU time used so far by this process and by the threads of one relay, to tell from two
 * snapshots where a drain's time went: the relay's own thread (read, serialize, send, commit), the
 * Kafka producer's I/O thread, and the rest of the process (with an in-process broker, mostly the
 * broker). PostgreSQL runs in its own processes and is not counted here; {@link #machineLoad}
 * covers the whole machine.
 *
 * @param wallNanos when the snapshot was taken ({@link System#nanoTime})
 * @param processNanos CPU time of this JVM
 * @param relayNanos CPU time of the relay's thread(s), named {@code cairn-relay-<id>}
 * @param producerNanos CPU time of the producer's I/O thread(s) of that id
 * @param byGroup CPU time of every live thread, by its name without numbers (a pool's threads
 *     together, such as the broker's request handlers)
 */
record CpuSnapshot(long wallNanos, long processNanos, long relayNanos, long producerNanos,
    java.util.Map<String, Long> byGroup) {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** Takes a snapshot for the relay whose transactional id is {@code relayId}. */
  static CpuSnapshot of(String relayId) {
    long relay = 0;
    long producer = 0;
    java.util.Map<String, Long> groups = new java.util.HashMap<>();
    for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (t == null) {
        continue;
      }
      String name = t.getThreadName();
      groups.merge(group(name, relayId), Math.max(0, THREADS.getThreadCpuTime(t.getThreadId())), Long::sum);
      if (name.equals("cairn-relay-" + relayId)) {
        relay += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
      } else if (name.startsWith("kafka-producer-network-thread") && name.endsWith(relayId)) {
        producer += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
      }
    }
    return new CpuSnapshot(System.nanoTime(), processCpuNanos(), relay, producer, groups);
  }

  /**
   * The CPU used between two snapshots, in cores (CPU seconds per wall second).
   *
   * @param process this JVM
   * @param relay the relay's thread
   * @param producer the producer's I/O thread
   * @param rest the JVM's other threads (an in-process broker, GC, the harness)
   */
  record Cores(double process, double relay, double producer, double rest) {}

  /** The cores used from {@code earlier} to this snapshot. */
  Cores since(CpuSnapshot earlier) {
    double wall = wallNanos - earlier.wallNanos;
    double process = (processNanos - earlier.processNanos) / wall;
    double relay = (relayNanos - earlier.relayNanos) / wall;
    double producer = (producerNanos - earlier.producerNanos) / wall;
    return new Cores(process, relay, producer, process - relay - producer);
  }

  /** A thread's group: its name without the relay's id and without numbers. */
  static String group(String threadName, String relayId) {
    return threadName.replace(relayId, "<id>").replaceAll("[0-9]+", "N");
  }

  /**
   * The thread groups that used the most CPU between two snapshots (threads that ended between
   * them are not counted), in cores, highest first.
   */
  java.util.Map<String, Double> topGroups(CpuSnapshot earlier, int n) {
    double wall = wallNanos - earlier.wallNanos;
    java.util.Map<String, Double> top = new java.util.LinkedHashMap<>();
    byGroup.entrySet().stream()
        .map(e -> java.util.Map.entry(e.getKey(), (e.getValue() - earlier.byGroup.getOrDefault(e.getKey(), 0L)) / wall))
        .sorted(java.util.Map.Entry.<String, Double>comparingByValue().reversed())
        .limit(n)
        .forEach(e -> top.put(e.getKey(), Math.round(e.getValue() * 100) / 100.0));
    return top;
  }

  private static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime()
        : -1;
  }

  /** The whole machine's CPU use now, 0 to 1 of all cores (negative if unknown). */
  static double machineLoad() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getCpuLoad()
        : -1;
  }
}
