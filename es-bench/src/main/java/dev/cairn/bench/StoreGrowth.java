package dev.cairn.bench;

import dev.cairn.api.EventIds;
import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import dev.cairn.store.jdbc.JdbcEventStore;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The store's figures at one size: single-event appends (1 and 8 writers, each to a stream of its
 * own, so no conflicts) and reads of the global order through {@link JdbcEventStore#readGlobal},
 * as the relay and the store-fed runners read it.
 */
final class StoreGrowth {

  /** Writer counts of the append figures. */
  static final int[] WRITERS = {1, 8};
  /** Events per global read page, as a runner reads them. */
  static final int READ_PAGE = 1000;
  private static final Duration WARMUP = Duration.ofSeconds(3);
  private static final Duration MEASURE = Duration.ofSeconds(5);
  private static final int REPETITIONS = 3;
  private static final int MAX_SAMPLES_PER_WRITER = 100_000;

  private final JdbcEventStore store;
  private final ExecutorService workers;
  private final PrintStream log;
  private final String label;
  private int run;

  /** Measures {@code store}, naming it {@code label} in the log. */
  StoreGrowth(JdbcEventStore store, String label, ExecutorService workers, PrintStream log) {
    this.store = store;
    this.label = label;
    this.workers = workers;
    this.log = log;
  }

  /**
   * The append figures of one writer count.
   *
   * @param writers threads appending
   * @param eventsPerSecond the median over the repetitions
   * @param latency medians of the repetitions' p50 and p99
   */
  record Appends(int writers, double eventsPerSecond, Latency latency) {
    Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("writers", writers);
      m.put("events_per_s", Math.round(eventsPerSecond));
      m.put("p50_ms", Math.round(latency.p50Ms() * 1000) / 1000.0);
      m.put("p99_ms", Math.round(latency.p99Ms() * 1000) / 1000.0);
      m.put("samples", latency.samples());
      return m;
    }
  }

  /**
   * A global read's figure.
   *
   * @param from where the read began
   * @param events events read
   * @param eventsPerSecond events read per second
   */
  record Read(String from, long events, double eventsPerSecond) {
    Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("from", from);
      m.put("events", events);
      m.put("events_per_s", Math.round(eventsPerSecond));
      return m;
    }
  }

  /**
   * Measures single-event appends with each writer count on two stores, interleaved so that both
   * see the same machine: a warm-up of each, then repetitions alternating between them.
   *
   * @return the figures of {@code a}, then those of {@code b}, in {@link #WRITERS} order
   */
  static List<List<Appends>> appendsInterleaved(StoreGrowth a, StoreGrowth b) throws Exception {
    List<Appends> outA = new ArrayList<>();
    List<Appends> outB = new ArrayList<>();
    for (int writers : WRITERS) {
      a.measureAppends(writers, outA, b, outB);
    }
    return List.of(outA, outB);
  }

  private void measureAppends(int writers, List<Appends> out, StoreGrowth other, List<Appends> otherOut)
      throws Exception {
    int phase = ++run;
    long[] versions = new long[writers];
    long[] otherVersions = new long[writers];
    timed(phase, writers, versions, WARMUP);
    other.timed(phase, writers, otherVersions, WARMUP);
    double[] rates = new double[REPETITIONS];
    double[] otherRates = new double[REPETITIONS];
    List<long[]> reps = new ArrayList<>();
    List<long[]> otherReps = new ArrayList<>();
    for (int r = 0; r < REPETITIONS; r++) {
      long[] samples = timed(phase, writers, versions, MEASURE);
      rates[r] = samples.length / (MEASURE.toNanos() / 1e9);
      reps.add(samples);
      long[] otherSamples = other.timed(phase, writers, otherVersions, MEASURE);
      otherRates[r] = otherSamples.length / (MEASURE.toNanos() / 1e9);
      otherReps.add(otherSamples);
    }
    out.add(log(new Appends(writers, Stats.median(rates), Latency.of(reps))));
    otherOut.add(other.log(new Appends(writers, Stats.median(otherRates), Latency.of(otherReps))));
  }

  private Appends log(Appends a) {
    log.printf(Locale.ROOT, "  %s: append_single %d writer(s): %.0f events/s, p50 %.2f ms, p99 %.2f ms%n", label,
        a.writers(), a.eventsPerSecond(), a.latency().p50Ms(), a.latency().p99Ms());
    return a;
  }

  /** Runs the writers for a while and returns every append's time in nanoseconds. */
  private long[] timed(int phase, int writers, long[] versions, Duration d) throws Exception {
    long end = System.nanoTime() + d.toNanos();
    List<Future<long[]>> futures = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int writer = w;
      futures.add(workers.submit(() -> {
        String stream = "grow-" + label + "-" + phase + "-" + writer;
        long[] samples = new long[MAX_SAMPLES_PER_WRITER];
        int n = 0;
        long seq = versions[writer];
        while (System.nanoTime() < end && n < samples.length) {
          NewEvent e = new NewEvent(EventIds.next(), "Deposited", 1, Accounts.depositJson(seq), EventMetadata.EMPTY);
          long t0 = System.nanoTime();
          store.append(new AppendRequest(stream, Accounts.STREAM_TYPE, seq, List.of(e)));
          samples[n++] = System.nanoTime() - t0;
          seq++;
        }
        versions[writer] = seq;
        return java.util.Arrays.copyOf(samples, n);
      }));
    }
    List<long[]> parts = new ArrayList<>();
    int total = 0;
    for (Future<long[]> f : futures) {
      long[] p = f.get();
      parts.add(p);
      total += p.length;
    }
    long[] all = new long[total];
    int at = 0;
    for (long[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return all;
  }

  /** Reads {@code events} events of the global order after a position, in pages, and times it. */
  Read read(String from, GlobalPosition after, long events) {
    GlobalPosition at = after;
    long read = 0;
    long start = System.nanoTime();
    while (read < events) {
      List<RecordedEvent> page = store.readGlobal(at, READ_PAGE);
      if (page.isEmpty()) {
        break;
      }
      read += page.size();
      at = page.get(page.size() - 1).position();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Read r = new Read(from, read, read / seconds);
    log.printf(Locale.ROOT, "  %s: global read from %s: %,d events at %.0f events/s%n", label, from, read,
        r.eventsPerSecond());
    return r;
  }

  /** The position of the event at a global position, or the start if there is none before it. */
  GlobalPosition positionBefore(long globalPosition) {
    return store.jdbi().withHandle(h ->
        h.createQuery("""
            SELECT tx_id::text AS tx_text, global_position FROM cairn.events
            WHERE global_position <= :p ORDER BY global_position DESC LIMIT 1
            """)
            .bind("p", globalPosition)
            .map((rs, ctx) -> new GlobalPosition(Long.parseLong(rs.getString(1)), rs.getLong(2)))
            .findOne()
            .orElse(GlobalPosition.START));
  }

  /**
   * Explains (ANALYZE, BUFFERS) the reader's keyset query from a position, with the simple fence a
   * reader without appenders running would get, and returns the plan's lines.
   */
  List<String> explainRead(GlobalPosition after) {
    return store.jdbi().withHandle(h ->
        h.createQuery("""
            EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
            SELECT * FROM cairn.events
            WHERE (tx_id, global_position) > (CAST(CAST(:tx AS text) AS xid8), :pos)
              AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY tx_id, global_position LIMIT 1000
            """)
            .bind("tx", after.txId())
            .bind("pos", after.position())
            .mapTo(String.class)
            .list());
  }
}
