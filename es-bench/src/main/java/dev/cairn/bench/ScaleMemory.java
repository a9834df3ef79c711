package dev.cairn.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.api.GlobalPosition;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.projections.KafkaProjectionRunner;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.ProjectionStatus;
import dev.cairn.projections.Projections;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaServer;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * The heap the relay and a Kafka-fed projection runner hold while they drain a backlog at full
 * speed, for two backlog sizes: a bounded buffer does not grow with the backlog. The figure is the
 * live heap, the heap used right after a forced full GC, sampled every 2 seconds during the drain,
 * its peak minus the same figure taken just before the drain (the harness and the pools are in
 * that baseline). The broker runs outside this JVM ({@link #broker}), so that what it keeps for a
 * growing topic is not counted as the relay's or the runner's. The forced GCs slow the drains a
 * little, so these drains' rates are reported but are not the ceiling figures.
 *
 * <p>The runner is sampled while it applies at most {@link #RUNNER_EVENTS} events or for at most
 * {@link #RUNNER_WINDOW_NANOS}, with the whole backlog waiting in its topic: what a buffer that
 * grew with the backlog would hold, its consumer fetches at once, not at the end. A runner of this
 * machine applies a few thousand events a second, so draining a million would take the mode past
 * its half hour.
 */
final class ScaleMemory {

  private static final String ROWS_DDL = "CREATE TABLE {table} (account text PRIMARY KEY, n bigint NOT NULL)";
  private static final long RUNNER_TIMEOUT_NANOS = 600_000_000_000L;
  static final long RUNNER_EVENTS = 100_000;
  static final long RUNNER_WINDOW_NANOS = 90_000_000_000L;

  private ScaleMemory() {}

  /**
   * The memory figures of one backlog.
   *
   * @param backlog events drained
   * @param baselineMb the live heap before the drain
   * @param relayMb the relay's drain: peak live heap minus the baseline
   * @param relayRate the relay's events/s in this (sampled) drain
   * @param runnerMb the runner's drain: peak live heap minus the baseline
   * @param runnerRate the runner's events/s in this (sampled) drain
   * @param runnerEvents the events the runner applied while sampled
   */
  record Row(long backlog, double baselineMb, double relayMb, double relayRate, double runnerMb, double runnerRate,
      long runnerEvents, int samples) {
    Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("backlog", backlog);
      m.put("baseline_live_heap_mb", ScaleRelay.round(baselineMb));
      m.put("relay_extra_live_heap_mb", ScaleRelay.round(relayMb));
      m.put("relay_events_per_s", Math.round(relayRate));
      m.put("runner_extra_live_heap_mb", ScaleRelay.round(runnerMb));
      m.put("runner_events_per_s", Math.round(runnerRate));
      m.put("runner_events_sampled", runnerEvents);
      m.put("heap_samples", samples);
      return m;
    }
  }

  /** The live heap now, in MB: the heap used after a forced full GC. */
  static double liveHeapMb() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
  }

  /**
   * The broker the memory figures use: the one {@code CAIRN_KAFKA_BOOTSTRAP} names (already outside
   * this JVM, and not closed here), else a broker in a child JVM of its own, closed with the result.
   *
   * @param env the environment
   * @param dataDir where a child broker keeps its logs
   * @return the broker
   */
  static KafkaServer broker(Environment env, Path dataDir) {
    String external = System.getenv(KafkaServer.ENV);
    if (external != null && !external.isBlank()) {
      KafkaServer shared = env.kafka();
      return new KafkaServer() {
        @Override
        public String bootstrapServers() {
          return shared.bootstrapServers();
        }

        @Override
        public String describe() {
          return shared.describe();
        }

        @Override
        public void close() {}
      };
    }
    return KafkaServer.childProcess(dataDir);
  }

  /** Measures one backlog of {@code events} events of about {@code payload} bytes. */
  static Row measure(Environment env, String bootstrap, Admin admin, String run, long events, int partitions,
      int payload, PrintStream log) throws Exception {
    try (var db = env.postgres().createDatabase("bench_scale_mem_" + events);
        HikariDataSource pool = ScaleRelay.pool(db.jdbcUrl(), "scale-mem-" + events)) {
      JdbcEventStore store = ScaleRelay.store(pool);
      ScalePrefill.Filled f = ScalePrefill.fill(store, 0, events / ScaleRelay.EVENTS_PER_STREAM,
          ScaleRelay.EVENTS_PER_STREAM, Math.max(0, payload - ScaleRelay.FIXED_PAYLOAD), 500_000, log);
      ProjectionManager manager = ProjectionManager.create(store, Accounts.serializer());
      manager.migrate();
      Projection rows =
          Projections.builder("scale_rows", 1)
              .table(ROWS_DDL)
              .on(Accounts.Opened.class, (e, h, m) -> h.execute(upsert(m.table()), e.streamId()))
              .on(Accounts.Deposited.class, (e, h, m) -> h.execute(upsert(m.table()), e.streamId()))
              .build();
      manager.install(rows);
      GlobalPosition head = store.headPosition();
      String id = "scale-mem-" + run + "-" + events;
      String topic = id + "." + Accounts.STREAM_TYPE;

      double base = liveHeapMb();
      Peak relayPeak = new Peak();
      ScaleRelay.Drain d = ScaleRelay.drainOnce(store, bootstrap, id, partitions, head, f.events(), relayPeak::sample);
      relayPeak.sample();

      double runnerBase = liveHeapMb();
      Peak runnerPeak = new Peak();
      double[] runnerDrain;
      Map<String, Object> consumer = Map.of(
          ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          ConsumerConfig.GROUP_ID_CONFIG, id,
          ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      try (KafkaProjectionRunner runner = manager.kafkaRunner(rows, consumer, List.of(topic)).build()) {
        runner.start();
        runnerDrain = drainRunner(runner, Math.min(f.events(), RUNNER_EVENTS), runnerPeak);
      }
      Topics.deleteQuietly(admin, List.of(topic, id + "." + KafkaRelay.POSITION_TOPIC), log);
      Row row = new Row(f.events(), base, relayPeak.max - base, d.eventsPerSecond(), runnerPeak.max - runnerBase,
          runnerDrain[0], (long) runnerDrain[1], relayPeak.samples + runnerPeak.samples);
      log.printf(Locale.ROOT, "  memory, backlog %,d: live heap before %.0f MB; relay +%.1f MB at %,.0f events/s;"
              + " runner +%.1f MB at %,.0f events/s (%,d events applied while sampled)%n", row.backlog(), base,
          row.relayMb(), row.relayRate(), row.runnerMb(), row.runnerRate(), row.runnerEvents());
      return row;
    }
  }

  private static String upsert(String table) {
    return "INSERT INTO " + table + " AS t (account, n) VALUES (?, 1) ON CONFLICT (account) DO UPDATE SET n = t.n + 1";
  }

  /**
   * Waits until the runner has applied {@code events} events or the window is over; returns its
   * rate from its first applied event, and the events applied.
   */
  private static double[] drainRunner(KafkaProjectionRunner runner, long events, Peak peak) {
    long deadline = System.nanoTime() + RUNNER_TIMEOUT_NANOS;
    long windowEnd = 0;
    long nextSample = System.nanoTime();
    long start = 0;
    long first = 0;
    while (true) {
      ProjectionStatus s = runner.status();
      long now = System.nanoTime();
      if (start == 0 && s.eventsApplied() > 0) {
        start = now;
        first = s.eventsApplied();
        windowEnd = now + RUNNER_WINDOW_NANOS;
      }
      if (s.eventsApplied() >= events || (start != 0 && now > windowEnd)) {
        peak.sample();
        return new double[] {(s.eventsApplied() - first) / ((now - start) / 1e9), s.eventsApplied()};
      }
      if (s.lastError() != null && s.eventsApplied() == 0 && now > deadline - RUNNER_TIMEOUT_NANOS / 2) {
        throw new IllegalStateException("runner failed: " + s.lastError());
      }
      if (now > deadline) {
        throw new IllegalStateException("runner applied " + s.eventsApplied() + " of " + events + " in time: " + s);
      }
      if (now >= nextSample) {
        peak.sample();
        nextSample = System.nanoTime() + 2_000_000_000L;
      }
      LockSupport.parkNanos(5_000_000);
    }
  }

  /** The peak of the live heap over samples. */
  private static final class Peak {
    double max;
    int samples;

    void sample() {
      max = Math.max(max, liveHeapMb());
      samples++;
    }
  }
}
