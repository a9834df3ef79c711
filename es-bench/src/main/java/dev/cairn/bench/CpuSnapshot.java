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
 */
record CpuSnapshot(long wallNanos, long processNanos, long relayNanos, long producerNanos) {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** Takes a snapshot for the relay whose transactional id is {@code relayId}. */
  static CpuSnapshot of(String relayId) {
    long relay = 0;
    long producer = 0;
    for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (t == null) {
        continue;
      }
      String name = t.getThreadName();
      if (name.equals("cairn-relay-" + relayId)) {
        relay += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
      } else if (name.startsWith("kafka-producer-network-thread") && name.endsWith(relayId)) {
        producer += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
      }
    }
    return new CpuSnapshot(System.nanoTime(), processCpuNanos(), relay, producer);
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
