package dev.cairn.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.api.CommandOptions;
import dev.cairn.api.EventEnvelope;
import dev.cairn.bench.Orders.Event;
import dev.cairn.bench.Orders.Order;
import dev.cairn.bench.Orders.PlaceOrder;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.projections.KafkaProjectionRunner;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.Projections;
import dev.cairn.projections.ReadModel;
import dev.cairn.store.jdbc.JdbcAggregateRepository;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresDatabase;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;

/**
 * How stale the read model runs under a steady command load, and whether it keeps up: the load
 * under which the sample's {@code order_summary} fell behind by 0.65 s per second (Cairn issue
 * 10). Cairn alone, no baseline: the question is whether staleness stays bounded.
 *
 * <p>{@link Load#writers} threads place orders through a {@link JdbcAggregateRepository} at
 * {@link Load#rate} commands per second, open loop ({@link OpenLoop}); each command appends one
 * {@code OrderPlaced} event with {@link Load#lines} lines to a new order, as the sample's clients
 * do. The pipeline is the sample's: a store that notifies on append, a {@link KafkaRelay} that
 * also listens (linger 1 ms, 4 partitions), and a {@link KafkaProjectionRunner} with its defaults
 * folding each event into a summary row and one row per line, all upserts.
 *
 * <p>Staleness of a command is from when its append committed (its {@code handle} returned) until
 * its summary row is visible to another connection: a {@link RowWatcher} polls the table, as
 * {@code e2e_latency} does (here every 10 ms: staleness runs to seconds).
 * That counts the runner's commit and anything that holds the row back, which a timestamp
 * written by the projection inside its transaction would not (the batch commits later). Commands
 * are grouped into windows of load by due time; per window the case reports staleness p50, p99
 * and max, and the read model's age (at each 100 ms, the time since the oldest command committed
 * but not yet visible committed; its worst in the window and at the window's end). The two differ
 * when the pipeline stalls under load and catches up only once the load stops: then the
 * staleness of the commands falls from window to window (the later ones wait less for the drain)
 * while the age grows by a second per second; the age's trend is the one that says whether the
 * read model keeps up. Per window, also: the writers' lag (due until commit), the relay's {@code cairn.relay.read.delay} and
 * events per transaction, the runner's batches (count, events, duration) from its meters, and the
 * oldest transaction holding an xid ({@link StalenessSampler}); then the slopes of the windows'
 * p99 and of their age, in ms per second of load. The meters' maxima use a one-second Micrometer window, so a window's
 * maximum may include up to a second of the previous window.
 */
final class StalenessCase implements KafkaCase {

  static final Duration WINDOW = Duration.ofSeconds(5);
  static final int PARTITIONS = 4;
  /** A trend of the p99 staleness above this, in ms per second of load, means the read model falls behind. */
  static final double MAX_SLOPE_MS_PER_S = 10;
  /** A read model that keeps up shows a command within a second, even on a shared 2-core machine. */
  static final double MAX_END_P99_MS = 1000;
  /** Staleness runs to seconds here; polling every 10 ms instead of every 1 ms leaves the server's CPU to the pipeline. */
  private static final Duration WATCH_INTERVAL = Duration.ofMillis(10);
  private static final Duration DRAIN = Duration.ofSeconds(60);
  private static final String NAME = "bench_order_summary";

  /**
   * The load.
   *
   * @param rate commands per second
   * @param writers threads issuing commands
   * @param lines lines per order: the runner writes 1 + lines rows per command
   * @param duration how long the load runs; null for the default (60 s, quick: 15 s)
   * @param warmup how long the same load runs, unmeasured, before it (default 2 s: the consumer
   *     group settles and the producer finds its leaders, but the JIT is still cold, as in a
   *     service that just started)
   */
  record Load(int rate, int writers, int lines, @Nullable Duration duration, Duration warmup) {
    static final Load DEFAULT = new Load(300, 16, 3, null, Duration.ofSeconds(2));

    Load {
      if (rate < 1 || writers < 1 || lines < 0) {
        throw new IllegalArgumentException(
            "staleness load needs rate >= 1, writers >= 1, lines >= 0 but was " + rate + ", " + writers + ", " + lines);
      }
      if (warmup.isNegative() || warmup.isZero()) {
        throw new IllegalArgumentException("staleness warm-up must be positive but was " + warmup);
      }
      if (duration != null && duration.compareTo(WINDOW) < 0) {
        throw new IllegalArgumentException("staleness duration must be at least " + WINDOW + " but was " + duration);
      }
    }

    Duration durationFor(Settings settings) {
      return duration != null ? duration : Duration.ofSeconds(settings.quick() ? 15 : 60);
    }
  }

  private final Load load;

  StalenessCase(Load load) {
    this.load = load;
  }

  @Override
  public String name() {
    return "staleness";
  }

  @Override
  public String description() {
    return "read-model staleness (append commit -> row visible) per " + WINDOW.toSeconds() + " s window and its trend, "
        + load.writers() + " writers at " + load.rate() + " commands/s (an order of " + load.lines()
        + " lines each); relay and Kafka runner as in the sample";
  }

  @Override
  public List<Result> run(BenchContext ctx) throws Exception {
    String bootstrap = ctx.kafka().bootstrapServers();
    String run = KafkaCase.runId();
    String prefix = "bench-stale-" + run + ".";
    String topic = prefix + Orders.STREAM_TYPE;
    Duration duration = load.durationFor(ctx.settings());
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    // Maxima over about a second, so the sampler sees each batch's figure in the window it ran in.
    meters.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        return DistributionStatisticConfig.builder().expiry(Duration.ofSeconds(1)).bufferLength(2).build().merge(config);
      }
    });
    ExecutorService writers = Executors.newFixedThreadPool(load.writers());
    // Writers, the relay's lock, reads and listener, the runner, the watcher and the sampler.
    try (PostgresDatabase db = ctx.database(name());
        HikariDataSource pool = ctx.pool(db, name(), load.writers() + 8);
        Admin admin = Topics.admin(bootstrap)) {
      JdbcEventStore store =
          JdbcEventStore.builder(pool).schema("cairn").notifyOnAppend(true).meterRegistry(meters).build();
      store.migrate();
      ProjectionManager manager = ProjectionManager.create(store, Orders.serializer());
      manager.migrate();
      Projection summary = projection();
      manager.install(summary);
      ReadModel model = manager.readModel(summary.spec());
      Topics.create(admin, PARTITIONS, topic);
      Map<String, Object> consumer =
          Map.of(
              ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
              ConsumerConfig.GROUP_ID_CONFIG, "bench-stale-" + run,
              ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      try (KafkaRelay relay =
              KafkaRelay.builder(store)
                  .kafkaSettings(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 1))
                  .transactionalId("bench-stale-" + run)
                  .topicPrefix(prefix)
                  .partitions(PARTITIONS)
                  .replicationFactor(1)
                  .listenForNotifications(true)
                  .meterRegistry(meters)
                  .build();
          KafkaProjectionRunner runner = manager.kafkaRunner(summary, consumer, List.of(topic)).build();
          JdbcAggregateRepository<PlaceOrder, Order, Event> orders =
              store.repository(Orders.STREAM_TYPE, Orders.DECIDER).serializer(Orders.serializer()).build();
          RowWatcher watcher = new RowWatcher(pool, model.table(), "staleness", WATCH_INTERVAL)) {
        relay.start();
        runner.start();

        // Warm-up: the runner's consumer group takes its partitions, the relay's producer finds
        // its leaders; not measured.
        long primeStart = System.nanoTime();
        OpenLoop prime = new OpenLoop(load.rate(), load.warmup());
        watcher.watch(1, prime);
        try {
          prime.run(writers, i -> place(orders, 1, i), DRAIN);
        } finally {
          watcher.idle();
        }
        ctx.log().printf(Locale.ROOT, "  warmed up (%d s of load) in %.1f s; load: %d writers, %d commands/s of 1 event with %d lines, %d s%n",
            load.warmup().toSeconds(), (System.nanoTime() - primeStart) / 1e9, load.writers(), load.rate(), load.lines(), duration.toSeconds());

        OpenLoop loop = new OpenLoop(load.rate(), duration);
        AtomicLongArray committed = new AtomicLongArray(loop.count());
        long[] latencies;
        long end;
        StalenessWindows windows;
        try (StalenessSampler sampler = new StalenessSampler(pool, meters, store.qualifiedTable("events"))) {
          watcher.watch(2, loop);
          try {
            latencies =
                loop.runAllowingUnfinished(writers, i -> {
                  place(orders, 2, i);
                  committed.set(i, System.nanoTime());
                }, duration.plus(DRAIN));
          } finally {
            end = System.nanoTime();
            watcher.idle();
          }
          watcher.check();
          sampler.check();
          long[] due = new long[loop.count()];
          long[] done = new long[loop.count()];
          long[] commit = new long[loop.count()];
          for (int i = 0; i < due.length; i++) {
            due[i] = loop.due(i);
            done[i] = latencies[i] == OpenLoop.UNFINISHED ? OpenLoop.UNFINISHED : due[i] + latencies[i];
            commit[i] = committed.get(i);
          }
          windows =
              StalenessWindows.of(loop.due(0), WINDOW.toNanos(), due, commit, done, end, sampler.samples(),
                  StalenessCase::role);
        }
        ctx.log().printf(Locale.ROOT, "  drained %.1f s after the last command was due%n",
            (end - loop.due(loop.count() - 1)) / 1e9);
        windows.print(ctx.log());
        ctx.log().println("  relay: " + relay.status() + "\n  runner: " + runner.status());
        double slope = windows.p99SlopeMsPerS();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("writers", load.writers());
        details.put("rate_commands_per_s", load.rate());
        details.put("lines_per_order", load.lines());
        details.put("duration_s", duration.toSeconds());
        details.put("warmup_s", load.warmup().toSeconds());
        details.putAll(windows.toJson());
        List<StalenessWindows.Window> w = windows.windows();
        StalenessWindows.Window first = w.get(0);
        StalenessWindows.Window last = w.get(w.size() - 1);
        String setup =
            String.format(Locale.ROOT, "%d writers, %d commands/s (1 event, %d lines), %d s after %d s of warm-up, %d s windows",
                load.writers(), load.rate(), load.lines(), duration.toSeconds(), load.warmup().toSeconds(),
                WINDOW.toSeconds());
        return List.of(
            Result.alone("staleness_trend", "ms/s", slope,
                String.format(Locale.ROOT, "<= %.0f ms/s", MAX_SLOPE_MS_PER_S), slope <= MAX_SLOPE_MS_PER_S,
                String.format(Locale.ROOT, "slope of the windows' staleness p99 per second of load; %s;"
                    + " second half %+.1f ms/s; p99 %.0f ms in the first window, %.0f ms in the last",
                    setup, windows.p99SlopeLastHalf(), first.p99Ms(), last.p99Ms()),
                details),
            Result.alone("staleness_age_trend", "ms/s", windows.ageSlopeMsPerS(),
                String.format(Locale.ROOT, "<= %.0f ms/s", MAX_SLOPE_MS_PER_S),
                windows.ageSlopeMsPerS() <= MAX_SLOPE_MS_PER_S,
                String.format(Locale.ROOT, "slope of the read model's age (worst per window: since the oldest"
                    + " committed command not yet visible committed) per second of load; %s; %.0f ms in the first"
                    + " window, %.0f ms in the last; worst %.0f ms in %.0f-%.0f s, %+.1f ms/s up to then", setup,
                    first.ageMaxMs(), last.ageMaxMs(), windows.peak().ageMaxMs(), windows.peak().fromS(),
                    windows.peak().toS(), windows.ageSlopeToPeak()),
                null),
            Result.alone("staleness_p99_end", "ms", last.p99Ms(),
                String.format(Locale.ROOT, "<= %.0f ms", MAX_END_P99_MS), last.p99Ms() <= MAX_END_P99_MS,
                String.format(Locale.ROOT, "staleness p99 of the last window (p50 %.0f, max %.0f ms); %s",
                    last.p50Ms(), last.maxMs(), setup),
                null));
      } finally {
        Topics.deleteQuietly(admin, List.of(topic, prefix + KafkaRelay.POSITION_TOPIC), ctx.log());
      }
    } finally {
      writers.shutdownNow();
    }
  }

  private void place(JdbcAggregateRepository<PlaceOrder, Order, Event> orders, int rep, int index) {
    orders.handle("o-" + rep + "-" + index, Orders.place(RowWatcher.tag(rep, index), index, load.lines()),
        CommandOptions.defaults());
  }

  /** Names who ran a statement, from its text: the runner's read-model or offset writes, an append, ... */
  static String role(String query) {
    String q = query.toLowerCase(Locale.ROOT);
    if (q.contains(NAME) || q.contains("offset") || q.contains("projection") || q.contains("savepoint")) {
      return "runner (read-model batch)";
    }
    if (q.contains("snapshot")) {
      return "snapshot";
    }
    if (q.contains("events") || q.contains("streams") || q.contains("idempotency")) {
      return "append";
    }
    return "other";
  }

  /**
   * The summary and its lines, as the sample's {@code order_summary}: a row per order and one per
   * line, upserted; {@code seen} is drawn at each change, so that the watcher finds rows in commit
   * order.
   */
  private static Projection projection() {
    return Projections.builder(NAME, 1)
        .table(
            """
            CREATE TABLE {table} (order_id text PRIMARY KEY, customer_id text NOT NULL, tag bigint NOT NULL,
              status text NOT NULL, total_cents bigint NOT NULL, line_count int NOT NULL, version bigint NOT NULL,
              placed_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
              seen bigint GENERATED ALWAYS AS IDENTITY UNIQUE)
            """)
        .table(
            "lines",
            """
            CREATE TABLE {table} (order_id text NOT NULL, sku text NOT NULL, quantity int NOT NULL,
              unit_price_cents bigint NOT NULL, PRIMARY KEY (order_id, sku))
            """)
        .on(Orders.OrderPlaced.class, StalenessCase::placed)
        .build();
  }

  private static void placed(EventEnvelope<Orders.OrderPlaced> e, Handle h, ReadModel m) {
    h.createUpdate(
            "INSERT INTO " + m.table() + " (order_id, customer_id, tag, status, total_cents, line_count, version,"
                + " placed_at, updated_at) VALUES (:id, :customer, :tag, 'PLACED', :total, :lines, :version, :at, :at)"
                + " ON CONFLICT (order_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, tag = EXCLUDED.tag,"
                + " total_cents = EXCLUDED.total_cents, line_count = EXCLUDED.line_count, version = EXCLUDED.version,"
                + " updated_at = EXCLUDED.updated_at, seen = DEFAULT")
        .bind("id", e.streamId())
        .bind("customer", e.event().customerId())
        .bind("tag", e.event().tag())
        .bind("total", e.event().totalCents())
        .bind("lines", e.event().lines().size())
        .bind("version", e.version())
        .bind("at", at(e))
        .execute();
    for (Orders.Line line : e.event().lines()) {
      h.createUpdate(
              "INSERT INTO " + m.table("lines") + " (order_id, sku, quantity, unit_price_cents)"
                  + " VALUES (:id, :sku, :q, :p) ON CONFLICT (order_id, sku) DO UPDATE"
                  + " SET quantity = " + m.table("lines") + ".quantity + EXCLUDED.quantity")
          .bind("id", e.streamId())
          .bind("sku", line.sku())
          .bind("q", line.quantity())
          .bind("p", line.unitPriceCents())
          .execute();
    }
  }

  private static OffsetDateTime at(EventEnvelope<?> e) {
    return e.recordedAt().atOffset(ZoneOffset.UTC);
  }
}
