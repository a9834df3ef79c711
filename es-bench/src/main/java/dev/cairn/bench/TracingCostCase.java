package dev.cairn.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.projections.KafkaProjectionRunner;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.Projections;
import dev.cairn.store.jdbc.JdbcAggregateRepository;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * What tracing costs: the same work with the OpenTelemetry SDK installed (every span sampled,
 * batched and handed to an exporter that drops it, so the SDK's own work is all that is measured)
 * against no SDK (the API's no-op, the default), on the two paths the spans sit on. The two
 * variants are interleaved operation by operation, not run after each other: on a machine whose
 * load moves (as a shared 2-core one does), two runs seconds apart differ by more than tracing
 * costs, while two operations a millisecond apart share whatever the machine is doing.
 *
 * <ul>
 *   <li>{@code tracing_append_single}: one-event commands through the repository (handle, load,
 *       decide, append: the spans of command handling), one writer, closed loop, alternating
 *       between a store with the SDK and one without (the order flips every pair); the cost is the
 *       throughput lost, from the mean time per command of each variant in a repetition;
 *   <li>{@code tracing_e2e_latency}: from when a command was due until its row is visible, open
 *       loop at {@link #RATE}/s in all, even operations through a pipeline with the SDK and odd
 *       ones through one without, both running at once (repository, relay, Kafka, a Kafka-fed
 *       runner, each with its own store schema and topic); the cost is the p50 added.
 * </ul>
 *
 * Each repetition gives one cost; the report is their mean and its 95% confidence interval
 * ({@link PairedCost}).
 */
final class TracingCostCase implements KafkaCase {

  static final int RATE = 200;
  static final int PARTITIONS = 4;
  static final int SENDERS = 8;
  static final double TARGET_PCT = 5;
  private static final Duration DRAIN = Duration.ofSeconds(30);
  private static final String ROW_DDL =
      "CREATE TABLE {table} (account text PRIMARY KEY, tag bigint NOT NULL,"
          + " seen bigint GENERATED ALWAYS AS IDENTITY UNIQUE)";

  @Override
  public String name() {
    return "tracing_cost";
  }

  @Override
  public String description() {
    return "OpenTelemetry SDK (no-op exporter) vs no SDK, interleaved: one-event commands (append_single) and"
        + " command -> relay -> Kafka -> projection p50 (e2e_latency), with a 95% confidence interval";
  }

  /** More, shorter repetitions than the other cases: the interval narrows with the pairs. */
  static Settings settings(Settings run) {
    return run.quick()
        ? new Settings(true, Duration.ofSeconds(1), Duration.ofSeconds(1), 6, run.maxLatencySamples())
        : new Settings(false, Duration.ofSeconds(5), Duration.ofSeconds(3), 20, run.maxLatencySamples());
  }

  @Override
  public List<Result> run(BenchContext ctx) throws Exception {
    Settings settings = settings(ctx.settings());
    DroppingExporter exporter = new DroppingExporter();
    SdkTracerProvider provider =
        SdkTracerProvider.builder().addSpanProcessor(BatchSpanProcessor.builder(exporter).build()).build();
    OpenTelemetry sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(provider)
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    try {
      List<Result> results = new ArrayList<>();
      results.add(appendSingle(ctx, settings, sdk));
      results.add(e2e(ctx, settings, sdk));
      provider.forceFlush().join(10, java.util.concurrent.TimeUnit.SECONDS);
      ctx.log().printf("  the SDK exported %d spans to the dropping exporter%n", exporter.spans.sum());
      return results;
    } finally {
      provider.close();
    }
  }

  private Result appendSingle(BenchContext ctx, Settings settings, OpenTelemetry sdk) throws Exception {
    String row = "tracing_append_single";
    try (PostgresDatabase db = ctx.database(row);
        HikariDataSource pool = ctx.pool(db, row)) {
      var traced = repository(pool, "traced", sdk);
      var plain = repository(pool, "plain", OpenTelemetry.noop());
      AtomicLong ids = new AtomicLong();
      ctx.log().printf(java.util.Locale.ROOT, "  %-22s warm-up %.1f s, then %d x %.1f s, the variants alternating%n",
          row, settings.warmup().toMillis() / 1000.0, settings.repetitions(), settings.measure().toMillis() / 1000.0);
      alternate(traced, plain, ids, settings.warmup());
      double[] costs = new double[settings.repetitions()];
      List<Double> withRates = new ArrayList<>();
      List<Double> withoutRates = new ArrayList<>();
      for (int rep = 0; rep < costs.length; rep++) {
        System.gc();
        double[] meanNanos = alternate(traced, plain, ids, settings.measure());
        withRates.add(1e9 / meanNanos[0]);
        withoutRates.add(1e9 / meanNanos[1]);
        costs[rep] = (1 - meanNanos[1] / meanNanos[0]) * 100;
        ctx.log().printf(java.util.Locale.ROOT, "  %-22s repetition %d/%d: %.0f commands/s with the SDK, %.0f without: %+.1f%%%n",
            row, rep + 1, costs.length, withRates.get(rep), withoutRates.get(rep), costs[rep]);
      }
      PairedCost cost = PairedCost.of(costs);
      ctx.log().printf("  %-22s throughput lost with the SDK: %s%n", row, cost);
      return costRow(row, cost,
          String.format(java.util.Locale.ROOT, "commands/s lost with the SDK; median %.0f/s with, %.0f/s without;"
              + " 1 writer, one Deposit to a new stream per command through the repository (4 spans each),"
              + " the two variants alternating command by command",
              Stats.median(withRates.stream().mapToDouble(Double::doubleValue).toArray()),
              Stats.median(withoutRates.stream().mapToDouble(Double::doubleValue).toArray())),
          Map.of("with_sdk_per_s", withRates, "without_sdk_per_s", withoutRates));
    }
  }

  /**
   * Runs one-event commands for a while, alternating between the two repositories (which goes
   * first flips every pair); returns the mean nanoseconds per command of each, the SDK's first.
   */
  private static double[] alternate(
      JdbcAggregateRepository<Accounts.Command, Accounts.Account, Accounts.Event> traced,
      JdbcAggregateRepository<Accounts.Command, Accounts.Account, Accounts.Event> plain,
      AtomicLong ids, Duration duration) {
    long[] total = new long[2];
    long[] count = new long[2];
    long deadline = System.nanoTime() + duration.toNanos();
    for (long pair = 0; System.nanoTime() < deadline || count[0] == 0; pair++) {
      for (int k = 0; k < 2; k++) {
        int side = (int) ((pair + k) & 1);
        var repository = side == 0 ? traced : plain;
        long start = System.nanoTime();
        repository.handle((side == 0 ? "t-" : "p-") + ids.incrementAndGet(), new Accounts.Deposit(1, "ref"));
        total[side] += System.nanoTime() - start;
        count[side]++;
      }
    }
    return new double[] {(double) total[0] / count[0], (double) total[1] / count[1]};
  }

  private static JdbcAggregateRepository<Accounts.Command, Accounts.Account, Accounts.Event> repository(
      HikariDataSource pool, String schema, OpenTelemetry openTelemetry) {
    JdbcEventStore store =
        JdbcEventStore.builder(pool).schema(schema).meterRegistry(new SimpleMeterRegistry())
            .openTelemetry(openTelemetry).build();
    store.migrate();
    return store.repository(Accounts.STREAM_TYPE, Accounts.DECIDER).serializer(Accounts.serializer()).build();
  }

  private Result e2e(BenchContext ctx, Settings settings, OpenTelemetry sdk) throws Exception {
    String row = "tracing_e2e_latency";
    String bootstrap = ctx.kafka().bootstrapServers();
    String run = KafkaCase.runId();
    ExecutorService sends = Executors.newFixedThreadPool(SENDERS);
    List<String> topics = new ArrayList<>();
    try (PostgresDatabase db = ctx.database(row);
        HikariDataSource pool = ctx.pool(db, row, SENDERS + 12);
        Admin admin = Topics.admin(bootstrap)) {
      AtomicInteger reps = new AtomicInteger();
      try {
        return e2e(ctx, settings, sdk, pool, admin, bootstrap, run, sends, reps, topics);
      } finally {
        Topics.deleteQuietly(admin, topics, ctx.log());
      }
    } finally {
      sends.shutdownNow();
    }
  }

  private Result e2e(BenchContext ctx, Settings settings, OpenTelemetry sdk, HikariDataSource pool, Admin admin,
      String bootstrap, String run, ExecutorService sends, AtomicInteger reps, List<String> topics) throws Exception {
    String row = "tracing_e2e_latency";
    try (Pipeline traced = new Pipeline(pool, admin, bootstrap, "traced", run, sdk, topics);
        Pipeline plain = new Pipeline(pool, admin, bootstrap, "plain", run, OpenTelemetry.noop(), topics)) {
      ctx.log().printf(java.util.Locale.ROOT,
          "  %-22s %d commands/s, even ones with the SDK, odd ones without; warm-up %.1f s, then %d x %.1f s%n",
          row, RATE, settings.warmup().toMillis() / 1000.0, settings.repetitions(), settings.measure().toMillis() / 1000.0);
      // Priming: the consumer groups take their partitions, the producers find their leaders.
      both(traced, plain, reps, sends, Duration.ofSeconds(1));
      both(traced, plain, reps, sends, settings.warmup());
      List<long[]> withSdk = new ArrayList<>();
      List<long[]> without = new ArrayList<>();
      for (int rep = 0; rep < settings.repetitions(); rep++) {
        System.gc();
        long[][] latencies = both(traced, plain, reps, sends, settings.measure());
        withSdk.add(latencies[0]);
        without.add(latencies[1]);
        ctx.log().printf(java.util.Locale.ROOT, "  %-22s repetition %d/%d: p50 %.1f ms with the SDK, %.1f ms without%n",
            row, rep + 1, settings.repetitions(), Stats.millis(Stats.percentile(latencies[0], 50)),
            Stats.millis(Stats.percentile(latencies[1], 50)));
      }
      PairedCost p50 = PairedCost.of(PairedCost.latencyCosts(withSdk, without, 50));
      PairedCost p99 = PairedCost.of(PairedCost.latencyCosts(withSdk, without, 99));
      Latency with = Latency.of(withSdk);
      Latency none = Latency.of(without);
      ctx.log().printf("  %-22s p50 added by the SDK: %s; p99: %s%n", row, p50, p99);
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("p99_cost", Map.of("mean_pct", p99.meanPct(), "ci_low_pct", p99.lowPct(), "ci_high_pct", p99.highPct()));
      details.put("with_sdk_p50_ms", with.p50Ms());
      details.put("without_sdk_p50_ms", none.p50Ms());
      return costRow(row, p50,
          String.format(java.util.Locale.ROOT, "p50 latency added by the SDK (p99: %s); medians p50 %.1f ms with,"
              + " %.1f ms without, p99 %.1f / %.1f ms; %d commands/s open loop in all, alternating between two"
              + " pipelines running at once (repository, relay, Kafka with %d partitions, a Kafka-fed runner)",
              p99, with.p50Ms(), none.p50Ms(), with.p99Ms(), none.p99Ms(), RATE, PARTITIONS),
          details);
    }
  }

  /**
   * One open loop at {@link #RATE}: even operations through the traced pipeline, odd ones through
   * the other; returns each one's latencies, the SDK's first.
   */
  private static long[][] both(Pipeline traced, Pipeline plain, AtomicInteger reps, ExecutorService sends,
      Duration duration) throws Exception {
    int rep = reps.incrementAndGet();
    OpenLoop loop = new OpenLoop(RATE, duration);
    traced.watcher.watch(rep, loop);
    plain.watcher.watch(rep, loop);
    long[] latencies;
    try {
      latencies = loop.run(sends, i -> ((i & 1) == 0 ? traced : plain).handle(rep, i), DRAIN);
    } catch (IllegalStateException e) {
      traced.check();
      plain.check();
      throw e;
    } finally {
      traced.watcher.idle();
      plain.watcher.idle();
    }
    long[][] out = {new long[(latencies.length + 1) / 2], new long[latencies.length / 2]};
    for (int i = 0; i < latencies.length; i++) {
      out[i & 1][i >> 1] = latencies[i];
    }
    return out;
  }

  private static Result costRow(String name, PairedCost cost, String note, Map<String, Object> more) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("mean_pct", cost.meanPct());
    details.put("ci_low_pct", cost.lowPct());
    details.put("ci_high_pct", cost.highPct());
    details.put("pairs", cost.pairs());
    details.putAll(more);
    return Result.alone(name, "% cost", cost.meanPct(),
        String.format(java.util.Locale.ROOT, "mean < %.0f%%", TARGET_PCT), cost.meanPct() < TARGET_PCT,
        cost + "; " + note, details);
  }

  /** One side's whole pipeline: a store in a schema of its own, its repository, relay, runner and row watcher. */
  private static final class Pipeline implements AutoCloseable {
    private final JdbcAggregateRepository<Accounts.Command, Accounts.Account, Accounts.Event> repository;
    private final KafkaRelay relay;
    private final KafkaProjectionRunner runner;
    final RowWatcher watcher;

    Pipeline(HikariDataSource pool, Admin admin, String bootstrap, String label, String run, OpenTelemetry otel,
        Collection<String> topics) throws Exception {
      JacksonEventSerializer serializer = Accounts.serializer();
      JdbcEventStore store =
          JdbcEventStore.builder(pool).schema(label).meterRegistry(new SimpleMeterRegistry()).openTelemetry(otel).build();
      store.migrate();
      this.repository = store.repository(Accounts.STREAM_TYPE, Accounts.DECIDER).serializer(serializer).build();
      ProjectionManager manager = ProjectionManager.create(store, serializer);
      manager.migrate();
      Projection rows =
          Projections.builder("tracing_rows", 1)
              .table(ROW_DDL)
              .on(Accounts.Deposited.class,
                  (e, h, m) -> h.createUpdate("INSERT INTO " + m.table() + " (account, tag) VALUES (?, ?)"
                          + " ON CONFLICT (account) DO NOTHING")
                      .bind(0, e.streamId()).bind(1, e.event().amount()).execute())
              .build();
      manager.install(rows);
      String prefix = "bench-tracing-" + label + "-" + run + ".";
      String topic = prefix + Accounts.STREAM_TYPE;
      topics.add(topic);
      topics.add(prefix + KafkaRelay.POSITION_TOPIC);
      Topics.create(admin, PARTITIONS, topic);
      this.relay =
          KafkaRelay.builder(store)
              .kafkaSettings(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 5))
              .transactionalId("bench-tracing-" + label + "-" + run)
              .topicPrefix(prefix)
              .partitions(PARTITIONS)
              .replicationFactor(1)
              .meterRegistry(new SimpleMeterRegistry())
              .build();
      this.runner =
          manager.kafkaRunner(rows, Map.of(
                  ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                  ConsumerConfig.GROUP_ID_CONFIG, "bench-tracing-" + label + "-" + run,
                  ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), List.of(topic))
              .openTelemetry(otel)
              .build();
      this.watcher = new RowWatcher(pool, manager.readModel(rows.spec()).table(), "tracing-" + label);
      relay.start();
      runner.start();
    }

    /** Sends operation {@code index} of repetition {@code rep}: a command whose row carries its tag. */
    void handle(int rep, int index) {
      repository.handle("c-" + rep + "-" + index, new Accounts.Deposit(RowWatcher.tag(rep, index), "e2e"));
    }

    /** Throws, naming the relay's and the runner's state, if the watcher failed. */
    void check() {
      try {
        watcher.check();
      } catch (IllegalStateException e) {
        throw new IllegalStateException(e.getMessage() + "; relay " + relay.status() + ", runner " + runner.status(), e);
      }
    }

    @Override
    public void close() throws java.sql.SQLException {
      try {
        runner.close();
        relay.close();
      } finally {
        watcher.close();
      }
    }
  }

  /** Takes the SDK's batches and drops them, counting the spans. */
  private static final class DroppingExporter implements SpanExporter {
    final LongAdder spans = new LongAdder();

    @Override
    public CompletableResultCode export(Collection<SpanData> batch) {
      spans.add(batch.size());
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
