package dev.cairn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.api.EventIds;
import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import dev.cairn.api.SerializedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.projections.KafkaProjectionRunner;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.Projections;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresDatabase;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;

/**
 * End-to-end latency at a fixed arrival rate: from when an append was due until its row is
 * visible in the read model, p50/p99, open loop ({@link OpenLoop}: latency counts from the
 * intended send time, so a stall shows as latency, not as fewer samples).
 *
 * <p>Cairn's pipeline: {@link JdbcEventStore#append} of one event to a new stream, the
 * {@link KafkaRelay} (woken by the append), Kafka, a {@link KafkaProjectionRunner} inserting the
 * row. The baseline has the same hops by hand, without Cairn's exactly-once machinery: a JDBC
 * INSERT of the event row, a send of the same record bytes by a raw idempotent producer (not
 * transactional; a dual write, at least once), and a raw consumer ({@link RawProjector}) that
 * inserts the rows of each poll in one transaction. It is the floor that Cairn's outbox read,
 * Kafka transactions and offsets kept with the rows add to; it is not the same guarantee.
 *
 * <p>Both sides' rows are seen by a {@link RowWatcher} polling the table every millisecond, so
 * visibility is observed after the commit, from outside, the same way for both. For the profile,
 * a {@link KafkaProbe} on each side's topic notes when each record became readable to a
 * {@code read_committed} consumer, and the log shows, per repetition, where the time went: until
 * the write returned, until the record was readable in Kafka, until the row was visible; and,
 * at the end, the relay's transactions (count, mean time, mean size). Both pipelines run through
 * the whole case; each is primed (its consumer group assigned, its producer warm) before the
 * warm-up, and idles while the other side runs.
 */
final class E2eLatencyCase implements KafkaCase {

  static final int RATE = 1000;
  static final int PARTITIONS = 4;
  static final int LINGER_MS = 5;
  static final int BATCH_BYTES = 64 * 1024;
  static final int SENDERS = 8;
  static final String SOURCE = "cairn://bench";
  /**
   * The warm-up in the full run: until the JIT compiler has settled (at most 100 ms of compiling
   * per second), at least 20 s and at most 90 s per side, in turns of 5 s. The case brings up a
   * whole pipeline in one JVM (the in-process broker, the relay, the runner, both clients); its
   * JIT compilation goes on for over a minute, and with a fixed 3 s, then 20 s, the repetitions
   * measured the compiler (up to one of the two cores) as much as the pipeline: see
   * docs/benchmarks.md.
   */
  static final JitWarmUp WARM_UP = new JitWarmUp(Duration.ofSeconds(20), Duration.ofSeconds(90), Duration.ofSeconds(5), 100);
  private static final Duration DRAIN = Duration.ofSeconds(30);
  /**
   * The relay's {@code linger} in ms, from the system property {@value #RELAY_LINGER_PROPERTY}
   * (default 0, the relay's default): for measuring that option against the default. A system
   * property, so that the JVM of its own that a full run starts for this case gets it too.
   */
  static final String RELAY_LINGER_PROPERTY = "cairn.bench.relayLingerMs";

  private static final String ROW_DDL =
      "CREATE TABLE {table} (account text PRIMARY KEY, tag bigint NOT NULL,"
          + " seen bigint GENERATED ALWAYS AS IDENTITY UNIQUE)";

  private static String insertSql(String table) {
    return "INSERT INTO " + table + " (account, tag) VALUES (?, ?) ON CONFLICT (account) DO NOTHING";
  }

  @Override
  public String name() {
    return "e2e_latency";
  }

  /**
   * Yes: after the full run's other cases, the JIT compiler in a shared JVM was as busy during the
   * baseline's repetitions as during Cairn's (836 and 905 ms per s) and both tails tripled.
   */
  @Override
  public boolean ownJvm() {
    return true;
  }

  @Override
  public String description() {
    return "append -> row visible in the read model, p50/p99 at " + RATE
        + " events/s open loop; store -> relay -> Kafka -> projection vs raw JDBC -> producer -> consumer -> JDBC";
  }

  @Override
  public List<Result> run(BenchContext ctx) throws Exception {
    String bootstrap = ctx.kafka().bootstrapServers();
    String run = KafkaCase.runId();
    String prefix = "bench-e2e-" + run + ".";
    String topic = prefix + Accounts.STREAM_TYPE;
    String rawTopic = "bench-e2e-raw-" + run;
    Map<String, Object> producerSettings =
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ProducerConfig.LINGER_MS_CONFIG, LINGER_MS,
            ProducerConfig.BATCH_SIZE_CONFIG, BATCH_BYTES);
    JacksonEventSerializer serializer = Accounts.serializer();
    ObjectMapper mapper = JacksonEventSerializer.defaultMapper();
    ExecutorService sends = Executors.newFixedThreadPool(SENDERS);
    // Senders, the relay's lock and reads, the runner, the raw consumer and the two watchers.
    int poolSize = SENDERS + 8;
    try (PostgresDatabase db = ctx.database(name());
        HikariDataSource pool = ctx.pool(db, name(), poolSize);
        Admin admin = Topics.admin(bootstrap)) {
      JdbcEventStore store =
          JdbcEventStore.builder(pool).schema("cairn").meterRegistry(new SimpleMeterRegistry()).build();
      store.migrate();
      ProjectionManager manager = ProjectionManager.create(store, serializer);
      manager.migrate();
      Projection rows =
          Projections.builder("e2e_rows", 1)
              .table(ROW_DDL)
              .on(Accounts.Deposited.class,
                  (e, h, m) ->
                      h.createUpdate(insertSql(m.table())).bind(0, e.streamId()).bind(1, e.event().amount()).execute())
              .build();
      manager.install(rows);
      String cairnTable = manager.readModel(rows.spec()).table();
      RawEvents.create(pool);
      try (Connection c = pool.getConnection();
          Statement s = c.createStatement()) {
        s.execute(ROW_DDL.replace("{table}", "raw.e2e_rows"));
      }
      // Created up front so that both consumers find every partition at once.
      Topics.create(admin, PARTITIONS, topic, rawTopic);

      Map<String, Object> consumerConfig =
          Map.of(
              ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
              ConsumerConfig.GROUP_ID_CONFIG, "bench-e2e-" + run,
              ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      Map<String, Object> rawProducerConfig = new java.util.HashMap<>(producerSettings);
      rawProducerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      rawProducerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
      SendFailure rawSendFailure = new SendFailure();
      String rawInsert =
          RawEvents.insert(1) + " RETURNING global_position, tx_id::text, recorded_at";

      SimpleMeterRegistry relayMeters = new SimpleMeterRegistry();
      Duration relayLinger = relayLinger();
      try (KafkaRelay relay =
              KafkaRelay.builder(store)
                  .kafkaSettings(producerSettings)
                  .transactionalId("bench-e2e-" + run)
                  .topicPrefix(prefix)
                  .partitions(PARTITIONS)
                  .replicationFactor(1)
                  .source(SOURCE)
                  .meterRegistry(relayMeters)
                  .linger(relayLinger)
                  .build();
          KafkaProjectionRunner runner =
              manager.kafkaRunner(rows, consumerConfig, List.of(topic)).build();
          KafkaProducer<String, byte[]> rawProducer =
              new KafkaProducer<>(rawProducerConfig, new StringSerializer(), new ByteArraySerializer());
          RawProjector rawProjector =
              new RawProjector(bootstrap, "bench-e2e-raw-" + run, rawTopic, PARTITIONS, pool,
                  insertSql("raw.e2e_rows"), mapper);
          KafkaProbe cairnProbe = new KafkaProbe(bootstrap, topic, PARTITIONS, mapper);
          KafkaProbe rawProbe = new KafkaProbe(bootstrap, rawTopic, PARTITIONS, mapper);
          RowWatcher cairnWatcher = new RowWatcher(pool, cairnTable, "cairn");
          RowWatcher rawWatcher = new RowWatcher(pool, "raw.e2e_rows", "raw")) {
        relay.start();
        runner.start();

        Side cairnSide =
            new Side("cairn", cairnWatcher, cairnProbe,
                (rep, i) -> {
                  SerializedEvent s = serializer.serialize(new Accounts.Deposited(RowWatcher.tag(rep, i), "e2e"));
                  store.append(new AppendRequest("c-" + rep + "-" + i, Accounts.STREAM_TYPE, 0,
                      List.of(new NewEvent(EventIds.next(), s.eventType(), s.revision(), s.json(), EventMetadata.EMPTY))));
                },
                () -> ctx.log().println("  relay: " + relay.status() + "\n  runner: " + runner.status()));

        Side rawSide =
            new Side("raw", rawWatcher, rawProbe,
                (rep, i) -> {
                  SerializedEvent s = serializer.serialize(new Accounts.Deposited(RowWatcher.tag(rep, i), "e2e"));
                  UUID id = UUID.randomUUID();
                  String stream = "r-" + rep + "-" + i;
                  RecordedEvent e;
                  try (Connection c = pool.getConnection();
                      PreparedStatement ps = c.prepareStatement(rawInsert)) {
                    ps.setObject(1, id);
                    ps.setString(2, stream);
                    ps.setString(3, Accounts.STREAM_TYPE);
                    ps.setLong(4, 1);
                    ps.setString(5, s.eventType());
                    ps.setInt(6, s.revision());
                    ps.setString(7, s.json());
                    ps.setString(8, "{}");
                    try (ResultSet rs = ps.executeQuery()) {
                      rs.next();
                      e = new RecordedEvent(id, stream, Accounts.STREAM_TYPE, 1,
                          new GlobalPosition(Long.parseLong(rs.getString(2)), rs.getLong(1)),
                          rs.getObject(3, OffsetDateTime.class).toInstant(), s.eventType(), s.revision(), s.json(),
                          EventMetadata.EMPTY);
                    }
                  }
                  rawProducer.send(CairnRecords.toRecord(rawTopic, e, SOURCE), rawSendFailure);
                },
                () -> {
                  rawSendFailure.check();
                  rawProjector.check();
                });

        AtomicInteger reps = new AtomicInteger();
        Measure<long[]> cairn = cairnSide.measure(reps, sends, ctx.log());
        Measure<long[]> raw = rawSide.measure(reps, sends, ctx.log());
        // Priming: the consumer groups take their partitions, the producers find their leaders.
        long primeStart = System.nanoTime();
        cairn.run(Duration.ofSeconds(1));
        raw.run(Duration.ofSeconds(1));
        ctx.log().printf(Locale.ROOT, "  primed both pipelines in %.1f s%n", (System.nanoTime() - primeStart) / 1e9);

        Settings settings = ctx.settings();
        if (!settings.quick()) {
          WARM_UP.run(ctx.log(), name(), cairn, raw);
          settings = settings.warmedUp();
        }
        Latency[] l = Interleaved.latency(settings, ctx.log(), name(), cairn, raw);
        Timer tx = relayMeters.find("cairn.relay.transaction").timer();
        DistributionSummary batches = relayMeters.find("cairn.relay.batch.size").summary();
        String relayProfile = "";
        Timer readDelay = relayMeters.find("cairn.relay.read.delay").timer();
        Timer publishDelay = relayMeters.find("cairn.relay.publish.delay").timer();
        if (tx != null && batches != null && readDelay != null && publishDelay != null) {
          relayProfile =
              String.format(Locale.ROOT, "; relay over the whole case: %d Kafka transactions,"
                  + " mean %.1f ms each (sends + commit), %.1f events each; a batch's first event was read"
                  + " %.1f ms (mean) after its append began and committed to Kafka %.1f ms after it",
                  tx.count(), tx.mean(TimeUnit.MILLISECONDS), batches.mean(), readDelay.mean(TimeUnit.MILLISECONDS),
                  publishDelay.mean(TimeUnit.MILLISECONDS));
          ctx.log().println("  " + relayProfile.substring(2));
        }
        int n = ctx.settings().repetitions();
        return List.of(
            Result.latencyP99(name(), l[0], l[1], 50,
                RATE + " appends/s, 1 event each, open loop, " + PARTITIONS + " partitions; relay batch "
                    + KafkaRelay.DEFAULT_BATCH_SIZE + ", linger.ms " + LINGER_MS
                    + (relayLinger.isZero() ? "" : ", relay linger " + relayLinger.toMillis() + " ms")
                    + ", runner defaults (no linger);"
                    + " watcher polls every 1 ms. Baseline: JDBC INSERT, raw"
                    + " idempotent producer (no transaction), raw consumer, JDBC INSERT per poll (at least once)."
                    + " Stages, ms from due (medians of repetitions): cairn " + cairnSide.profile(n) + "; baseline "
                    + rawSide.profile(n) + relayProfile));
      } finally {
        Topics.deleteQuietly(admin, List.of(topic, prefix + KafkaRelay.POSITION_TOPIC, rawTopic), ctx.log());
      }
    } finally {
      sends.shutdownNow();
    }
  }

  /** Writes operation {@code index} of repetition {@code rep}: the append, or the raw insert and send. */
  @FunctionalInterface
  private interface Writer {
    void write(int rep, int index) throws Exception;
  }

  /**
   * One side of the case: how it writes an operation, the watcher that sees its rows, the probe
   * that sees its records in Kafka, and what to report when it stalls. Each run is a new
   * repetition number and an open loop at {@link #RATE} for the given time; after it, the log gets
   * the side's stages: when the write returned, when the record was readable in Kafka, when the
   * row was visible, each from the operation's due time.
   */
  private static final class Side {
    private final String label;
    private final RowWatcher watcher;
    private final KafkaProbe probe;
    private final Writer writer;
    private final Runnable onStall;
    /** Per run: the times from due until written, readable in Kafka, visible. */
    private final List<long[][]> runs = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Per run: milliseconds of JIT compilation per second of the run (NaN if the JVM does not say). */
    private final List<Double> jit = new java.util.concurrent.CopyOnWriteArrayList<>();

    Side(String label, RowWatcher watcher, KafkaProbe probe, Writer writer, Runnable onStall) {
      this.label = label;
      this.watcher = watcher;
      this.probe = probe;
      this.writer = writer;
      this.onStall = onStall;
    }

    Measure<long[]> measure(AtomicInteger reps, ExecutorService sends, PrintStream log) {
      return duration -> {
        int rep = reps.incrementAndGet();
        OpenLoop loop = new OpenLoop(RATE, duration);
        AtomicLongArray written = new AtomicLongArray(loop.count());
        AtomicLongArray inKafka = new AtomicLongArray(loop.count());
        probe.watch(rep, inKafka);
        watcher.watch(rep, loop);
        long[] latencies;
        long compiledBefore = JitWarmUp.compileMillis();
        MachineCpu machineBefore = MachineCpu.read();
        GcPauses gcBefore = GcPauses.read();
        long start = System.nanoTime();
        try {
          latencies =
              loop.run(
                  sends,
                  i -> {
                    writer.write(rep, i);
                    written.set(i, System.nanoTime());
                  },
                  DRAIN);
        } catch (IllegalStateException e) {
          // A stalled pipeline: say why if one of its threads knows.
          watcher.check();
          onStall.run();
          throw e;
        } finally {
          watcher.idle();
        }
        long[][] stages = {fromDue(loop, written), fromDue(loop, inKafka), latencies};
        runs.add(stages);
        double jitMsPerS = JitWarmUp.compilingMsPerS(compiledBefore, start);
        jit.add(jitMsPerS);
        String machine = MachineCpu.describe(machineBefore, MachineCpu.read());
        log.printf(Locale.ROOT, "  %-22s %s stages, ms from due: %s; JIT compiling %.0f ms per s; %s%s%n",
            "e2e_latency", label, describe(java.util.Collections.singletonList(stages)), jitMsPerS,
            GcPauses.read().since(gcBefore), machine.isEmpty() ? "" : "; " + machine);
        return latencies;
      };
    }

    /**
     * The stages of the last {@code n} runs, each percentile the median over the runs, and the
     * median time the JIT compiler spent compiling per second of them.
     */
    String profile(int n) {
      double[] compiling =
          jit.subList(Math.max(0, jit.size() - n), jit.size()).stream().mapToDouble(Double::doubleValue).toArray();
      return describe(runs.subList(Math.max(0, runs.size() - n), runs.size()))
          + String.format(Locale.ROOT, ", JIT compiling %.0f ms per s", Stats.median(compiling));
    }

    private static String describe(List<long[][]> runs) {
      String[] names = {"written", "readable in Kafka", "row visible"};
      StringBuilder b = new StringBuilder();
      for (int stage = 0; stage < names.length; stage++) {
        double[] p50 = new double[runs.size()];
        double[] p99 = new double[runs.size()];
        for (int r = 0; r < runs.size(); r++) {
          p50[r] = Stats.millis(Stats.percentile(runs.get(r)[stage], 50));
          p99[r] = Stats.millis(Stats.percentile(runs.get(r)[stage], 99));
        }
        b.append(stage == 0 ? "" : ", ").append(names[stage])
            .append(String.format(Locale.ROOT, " p50 %.1f p99 %.1f", Stats.median(p50), Stats.median(p99)));
      }
      return b.toString();
    }
  }

  /**
   * The relay linger asked for by {@value #RELAY_LINGER_PROPERTY}, zero if not set.
   *
   * @throws IllegalArgumentException if it is not a whole number of milliseconds, naming it
   */
  static Duration relayLinger() {
    String value = System.getProperty(RELAY_LINGER_PROPERTY, "0");
    try {
      return Duration.ofMillis(Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          RELAY_LINGER_PROPERTY + " must be a whole number of milliseconds but was '" + value + "'", e);
    }
  }

  /** Each operation's time from its due time until the slot's time; unknown if never seen. */
  private static long[] fromDue(OpenLoop loop, AtomicLongArray at) {
    long[] fromDue = new long[at.length()];
    for (int i = 0; i < fromDue.length; i++) {
      long t = at.get(i);
      fromDue[i] = t == 0 ? Long.MAX_VALUE : t - loop.due(i);
    }
    return fromDue;
  }

  /** Remembers the first failed send of the raw producer. */
  private static final class SendFailure implements org.apache.kafka.clients.producer.Callback {
    private volatile @Nullable Exception failure;

    @Override
    public void onCompletion(org.apache.kafka.clients.producer.RecordMetadata metadata, @Nullable Exception exception) {
      if (exception != null && failure == null) {
        failure = exception;
      }
    }

    void check() {
      Exception e = failure;
      if (e != null) {
        throw new IllegalStateException("raw producer send failed: " + e, e);
      }
    }
  }
}
