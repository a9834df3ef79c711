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
 * against no SDK (the API's no-op, the default), interleaved A/B in one run, on the two paths the
 * spans sit on:
 *
 * <ul>
 *   <li>{@code tracing_append_single}: a one-event command per call through the repository
 *       (handle, load, decide, append: the spans of command handling), one writer, closed loop;
 *   <li>{@code tracing_e2e_latency}: from when a command was due until its row is visible, open loop
 *       at {@link #RATE}/s, through the repository, the relay (batch and record spans), Kafka and a
 *       Kafka-fed runner (a process span per event); p50.
 * </ul>
 *
 * Each pair of repetitions gives one cost; the report is the mean and its 95% confidence interval
 * ({@link PairedCost}). The case runs more, shorter repetitions than the others, for that interval.
 */
final class TracingCostCase implements KafkaCase {

  static final int RATE = 500;
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
        ? new Settings(true, Duration.ofSeconds(2), Duration.ofSeconds(1), 8, run.maxLatencySamples())
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
    ExecutorService workers = Executors.newFixedThreadPool(1);
    try (PostgresDatabase db = ctx.database(row);
        HikariDataSource pool = ctx.pool(db, row)) {
      var traced = repository(pool, "traced", sdk);
      var plain = repository(pool, "plain", OpenTelemetry.noop());
      AtomicLong ids = new AtomicLong();
      Measure<Double> withSdk = Measure.throughput(workers, 1, t -> {
        traced.handle("t-" + ids.incrementAndGet(), new Accounts.Deposit(1, "ref"));
        return 1;
      });
      Measure<Double> without = Measure.throughput(workers, 1, t -> {
        plain.handle("p-" + ids.incrementAndGet(), new Accounts.Deposit(1, "ref"));
        return 1;
      });
      Interleaved.Runs<Double> runs = Interleaved.run(settings, ctx.log(), row, withSdk, without);
      PairedCost cost = PairedCost.of(PairedCost.throughputCosts(runs.cairn(), runs.baseline()));
      double sdkRate = Stats.median(runs.cairn().stream().mapToDouble(Double::doubleValue).toArray());
      double noSdkRate = Stats.median(runs.baseline().stream().mapToDouble(Double::doubleValue).toArray());
      ctx.log().printf("  %-22s throughput lost with the SDK: %s%n", row, cost);
      return costRow(row, cost,
          String.format(java.util.Locale.ROOT, "commands/s lost with the SDK; median %.0f/s with, %.0f/s without;"
              + " 1 writer, one Deposit to a new stream per command through the repository (4 spans each)",
              sdkRate, noSdkRate),
          Map.of("with_sdk_per_s", runs.cairn(), "without_sdk_per_s", runs.baseline()));
    } finally {
      workers.shutdownNow();
    }
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
      Measure<long[]> withSdk = traced.measure(reps, sends);
      Measure<long[]> without = plain.measure(reps, sends);
      // Priming: the consumer groups take their partitions, the producers find their leaders.
      withSdk.run(Duration.ofSeconds(1));
      without.run(Duration.ofSeconds(1));
      Interleaved.Runs<long[]> runs = Interleaved.run(settings, ctx.log(), row, withSdk, without);
      PairedCost p50 = PairedCost.of(PairedCost.latencyCosts(runs.cairn(), runs.baseline(), 50));
      PairedCost p99 = PairedCost.of(PairedCost.latencyCosts(runs.cairn(), runs.baseline(), 99));
      Latency with = Latency.of(runs.cairn());
      Latency none = Latency.of(runs.baseline());
      ctx.log().printf("  %-22s p50 added by the SDK: %s; p99: %s%n", row, p50, p99);
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("p99_cost", Map.of("mean_pct", p99.meanPct(), "ci_low_pct", p99.lowPct(), "ci_high_pct", p99.highPct()));
      details.put("with_sdk_p50_ms", with.p50Ms());
      details.put("without_sdk_p50_ms", none.p50Ms());
      return costRow(row, p50,
          String.format(java.util.Locale.ROOT, "p50 latency added by the SDK (p99: %s); medians p50 %.1f ms with,"
              + " %.1f ms without, p99 %.1f / %.1f ms; %d commands/s open loop through the repository, relay, Kafka"
              + " (%d partitions) and a Kafka-fed runner", p99, with.p50Ms(), none.p50Ms(), with.p99Ms(), none.p99Ms(),
              RATE, PARTITIONS),
          details);
    }
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
    private final RowWatcher watcher;

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

    Measure<long[]> measure(AtomicInteger reps, ExecutorService sends) {
      return duration -> {
        int rep = reps.incrementAndGet();
        OpenLoop loop = new OpenLoop(RATE, duration);
        watcher.watch(rep, loop);
        try {
          return loop.run(sends,
              i -> repository.handle("c-" + rep + "-" + i, new Accounts.Deposit(RowWatcher.tag(rep, i), "e2e")),
              DRAIN);
        } catch (IllegalStateException e) {
          watcher.check();
          throw new IllegalStateException(e.getMessage() + "; relay " + relay.status() + ", runner " + runner.status(), e);
        } finally {
          watcher.idle();
        }
      };
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
