package dev.cairn.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.api.GlobalPosition;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.bus.kafka.RelayStatus;
import dev.cairn.store.jdbc.JdbcEventStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;

/**
 * The relay's ceiling: a fresh {@link KafkaRelay} drains a prefilled backlog to a topic of 1, 4
 * or 16 partitions, with events of about 200 B, 2 KB or 20 KB, with the Kafka settings of the
 * relay case. The rate is steady throughput: from the first committed transaction (the relay's
 * start, topic creation and producer fencing excluded) to the last. Beside each: the CPU of the
 * relay's thread, of its producer's I/O thread and of the rest of this JVM (the in-process
 * broker), the machine's CPU, the transactions and their time, and a raw idempotent producer
 * sending as many records of the same size without transactions or a database: the broker's
 * ceiling for that record size on this machine.
 */
final class ScaleRelay {

  static final int[] PARTITIONS = {1, 4, 16};
  static final int[] PAYLOAD_BYTES = {200, 2_000, 20_000};
  /** A backlog per payload size: at most this many bytes of payload... */
  static final long BACKLOG_BYTES = 400L << 20;
  /** ... and at most this many events. */
  static final int MAX_BACKLOG = 100_000;
  static final int EVENTS_PER_STREAM = 10;
  /** The padding that makes a deposit's jsonb text {@code n} bytes long (its fixed part is about 45). */
  static final int FIXED_PAYLOAD = 45;
  private static final long DRAIN_TIMEOUT_NANOS = 600_000_000_000L;

  private ScaleRelay() {}

  /** The Kafka settings of the relay case. */
  static Map<String, Object> kafkaSettings(String bootstrap) {
    return Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.LINGER_MS_CONFIG, RelayCase.LINGER_MS,
        ProducerConfig.BATCH_SIZE_CONFIG, RelayCase.BATCH_BYTES);
  }

  /**
   * One drain.
   *
   * @param events events timed (those after the first transaction)
   * @param seconds from the first commit to the last
   * @param transactions Kafka transactions in that time
   * @param msPerTransaction mean time of one transaction's sends and commit
   * @param cores the CPU used in that time
   * @param machineLoad the whole machine's CPU use in that time, 0 to 1
   */
  record Drain(long events, double seconds, long transactions, double msPerTransaction, CpuSnapshot.Cores cores,
      double machineLoad, Map<String, Double> topThreads) {

    double eventsPerSecond() {
      return events / seconds;
    }

    /** Wall time of one transaction's cycle: the read of the page, the sends and the commit. */
    double cycleMs() {
      return seconds * 1000 / transactions;
    }
  }

  /**
   * A cell of the grid.
   *
   * @param payloadBytes the mean payload's size (jsonb text)
   * @param producerBaseline a raw idempotent producer's records/s with the same records, no transactions
   */
  record Cell(int partitions, int payloadBytes, long backlog, Drain drain, double producerBaseline) {

    /** The bound the figures point at. */
    String bound() {
      double txShare = drain.msPerTransaction() / drain.cycleMs();
      if (drain.machineLoad() > 0.9) {
        return "CPU (machine " + pct(drain.machineLoad()) + " busy)";
      }
      if (drain.cores().relay() > 0.85) {
        return "CPU of the relay thread";
      }
      if (txShare > 0.6 && drain.eventsPerSecond() > 0.8 * producerBaseline) {
        return "the broker (relay at " + pct(drain.eventsPerSecond() / producerBaseline) + " of a bare producer)";
      }
      if (txShare > 0.6) {
        return "the Kafka transaction (" + pct(txShare) + " of each cycle)";
      }
      return "the database read between transactions (" + pct(1 - txShare) + " of each cycle)";
    }

    Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("partitions", partitions);
      m.put("payload_bytes", payloadBytes);
      m.put("backlog", backlog);
      m.put("events_per_s", Math.round(drain.eventsPerSecond()));
      m.put("payload_mb_per_s", round(drain.eventsPerSecond() * payloadBytes / 1e6));
      m.put("transactions", drain.transactions());
      m.put("ms_per_transaction", round(drain.msPerTransaction()));
      m.put("ms_per_cycle", round(drain.cycleMs()));
      m.put("cores_process", round(drain.cores().process()));
      m.put("cores_relay_thread", round(drain.cores().relay()));
      m.put("cores_producer_io", round(drain.cores().producer()));
      m.put("cores_rest_of_jvm", round(drain.cores().rest()));
      m.put("machine_cpu", round(drain.machineLoad()));
      m.put("top_threads_cores", drain.topThreads());
      m.put("producer_baseline_per_s", Math.round(producerBaseline));
      m.put("bound", bound());
      return m;
    }
  }

  /** Runs the 3 x 3 grid. */
  static List<Cell> grid(Environment env, Admin admin, String run, PrintStream log) throws Exception {
    List<Cell> cells = new ArrayList<>();
    String bootstrap = env.kafka().bootstrapServers();
    for (int size : PAYLOAD_BYTES) {
      int backlog = (int) Math.min(MAX_BACKLOG, BACKLOG_BYTES / size);
      try (var db = env.postgres().createDatabase("bench_scale_relay_" + size);
          HikariDataSource pool = pool(db.jdbcUrl(), "scale-relay-" + size)) {
        JdbcEventStore store = store(pool);
        ScalePrefill.Filled f = ScalePrefill.fill(store, 0, backlog / EVENTS_PER_STREAM, EVENTS_PER_STREAM,
            Math.max(0, size - FIXED_PAYLOAD), 200_000, log);
        int actual = meanPayload(store);
        log.printf(Locale.ROOT, "  relay backlog: %,d events of %d B (mean jsonb text) in %.1f s%n", f.events(), actual,
            f.seconds());
        GlobalPosition head = store.headPosition();
        for (int partitions : PARTITIONS) {
          String id = "scale-relay-" + run + "-" + size + "-" + partitions;
          Drain d = drainOnce(store, bootstrap, id, partitions, head, f.events(), null);
          Topics.deleteQuietly(admin, List.of(id + "." + Accounts.STREAM_TYPE, id + "." + KafkaRelay.POSITION_TOPIC), log);
          double baseline = producerBaseline(admin, bootstrap, id + "-raw", partitions, actual, (int) f.events(), log);
          Cell c = new Cell(partitions, actual, f.events(), d, baseline);
          log.printf(Locale.ROOT, "  relay %2d partitions, %5d B: %,.0f events/s (%.1f MB/s), %d tx of %.1f ms"
                  + " in a %.1f ms cycle; cores: process %.2f, relay %.2f, producer I/O %.2f, rest %.2f; machine %s;"
                  + " bare producer %,.0f records/s -> %s%n", partitions, actual, d.eventsPerSecond(),
              d.eventsPerSecond() * actual / 1e6, d.transactions(), d.msPerTransaction(), d.cycleMs(),
              d.cores().process(), d.cores().relay(), d.cores().producer(), d.cores().rest(), pct(d.machineLoad()),
              baseline, c.bound());
          log.println("    busiest threads (cores): " + d.topThreads());
          cells.add(c);
        }
      }
    }
    return cells;
  }

  /**
   * Starts a fresh relay (its own transactional id and topic prefix, so it begins at the start of
   * the global order) and waits until it has published {@code events} events.
   *
   * @param sampler run about every 2 seconds during the drain, or null
   */
  static Drain drainOnce(JdbcEventStore store, String bootstrap, String id, int partitions, GlobalPosition head,
      long events, @Nullable Runnable sampler) {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (KafkaRelay relay =
        KafkaRelay.builder(store)
            .kafkaSettings(kafkaSettings(bootstrap))
            .transactionalId(id)
            .topicPrefix(id + ".")
            .partitions(partitions)
            .replicationFactor(1)
            .batchSize(RelayCase.BATCH)
            .source(RelayCase.SOURCE)
            .meterRegistry(meters)
            .build()) {
      relay.start();
      long deadline = System.nanoTime() + DRAIN_TIMEOUT_NANOS;
      long nextSample = System.nanoTime();
      CpuSnapshot cpu0 = null;
      long c0 = 0;
      long tx0 = 0;
      double txMs0 = 0;
      while (true) {
        Counter published = meters.find("cairn.relay.events.published").counter();
        Timer tx = meters.find("cairn.relay.transaction").timer();
        long count = published == null ? 0 : (long) published.count();
        if (cpu0 == null && count > 0 && tx != null) {
          cpu0 = CpuSnapshot.of(id);
          CpuSnapshot.machineLoad();
          c0 = count;
          tx0 = tx.count();
          txMs0 = tx.totalTime(TimeUnit.MILLISECONDS);
        }
        if (count >= events && cpu0 != null) {
          // cpu0 is set only once the timer is registered, and a registry keeps what it registered.
          Timer timer = Objects.requireNonNull(tx, "the relay's transaction timer");
          CpuSnapshot cpu1 = CpuSnapshot.of(id);
          double load = CpuSnapshot.machineLoad();
          long txs = timer.count() - tx0;
          if (!relay.status().position().equals(head)) {
            throw new IllegalStateException("published " + count + " events but stopped at " + relay.status());
          }
          return new Drain(count - c0, (cpu1.wallNanos() - cpu0.wallNanos()) / 1e9, txs,
              (timer.totalTime(TimeUnit.MILLISECONDS) - txMs0) / Math.max(1, txs), cpu1.since(cpu0), load,
              cpu1.topGroups(cpu0, 5));
        }
        RelayStatus s = relay.status();
        if (s.state() == RelayStatus.State.STOPPED) {
          throw new IllegalStateException("relay stopped at " + s.position() + ": " + s.lastError());
        }
        long now = System.nanoTime();
        if (now > deadline) {
          throw new IllegalStateException("relay did not publish " + events + " events in time: " + s);
        }
        if (sampler != null && now >= nextSample) {
          sampler.run();
          nextSample = System.nanoTime() + 2_000_000_000L;
        }
        LockSupport.parkNanos(1_000_000);
      }
    }
  }

  /**
   * A raw idempotent producer (acks=all, the relay's linger and batch size, no transactions, no
   * database) sending {@code count} records of {@code size} bytes to a fresh topic: records/s.
   */
  private static double producerBaseline(Admin admin, String bootstrap, String topic, int partitions, int size,
      int count, PrintStream log) throws Exception {
    Topics.create(admin, partitions, topic);
    Map<String, Object> config = new HashMap<>(kafkaSettings(bootstrap));
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    byte[] value = new byte[size];
    java.util.Arrays.fill(value, (byte) 'x');
    double rate;
    try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      // One record to each partition first, each awaited: a burst of idempotent sends to partitions
      // whose leaders the client has not yet found gets NOT_LEADER_OR_FOLLOWER for its first
      // batches, and their retries then fail forever with OUT_OF_ORDER_SEQUENCE_NUMBER.
      for (int partition = 0; partition < partitions; partition++) {
        p.send(new ProducerRecord<>(topic, partition, "warm", value)).get();
      }
      long start = System.nanoTime();
      for (int i = 0; i < count; i++) {
        p.send(new ProducerRecord<>(topic, "scale-" + (i % (count / EVENTS_PER_STREAM + 1)), value));
      }
      p.flush();
      rate = count / ((System.nanoTime() - start) / 1e9);
    }
    Topics.deleteQuietly(admin, List.of(topic), log);
    return rate;
  }

  static HikariDataSource pool(String jdbcUrl, String name) {
    com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setMaximumPoolSize(BenchContext.POOL_SIZE + 4);
    config.setMinimumIdle(2);
    config.setPoolName("bench-" + name);
    return new HikariDataSource(config);
  }

  static JdbcEventStore store(HikariDataSource pool) {
    JdbcEventStore store =
        JdbcEventStore.builder(pool).schema("cairn").meterRegistry(new SimpleMeterRegistry()).build();
    store.migrate();
    return store;
  }

  /** The mean size of the store's payloads as jsonb text, what the relay publishes. */
  static int meanPayload(JdbcEventStore store) {
    return store.jdbi().withHandle(h ->
        h.createQuery("SELECT avg(octet_length(payload::text))::int FROM cairn.events").mapTo(Integer.class).one());
  }

  static String pct(double fraction) {
    return Math.round(fraction * 100) + "%";
  }

  static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
