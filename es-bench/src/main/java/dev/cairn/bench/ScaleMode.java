package dev.cairn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.api.GlobalPosition;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.admin.Admin;
import org.jspecify.annotations.Nullable;

/**
 * The {@code --scale} mode, outside the quick and full runs: the store's figures empty and
 * prefilled to {@code events} events over {@code streams} streams ({@link StoreGrowth}), the
 * relay's ceiling over partitions and event sizes ({@link ScaleRelay}), and the heap the relay and
 * a Kafka-fed runner hold for two backlog sizes ({@link ScaleMemory}).
 *
 * @param events events of the prefilled store
 * @param streams streams they are spread over (events / streams each)
 */
record ScaleMode(long events, long streams) {

  /** Events a global read figure reads. */
  static final long READ_EVENTS = 200_000;
  /** The payload size of the memory drains (the grid's smallest). */
  static final int MEMORY_PAYLOAD = 200;

  ScaleMode {
    if (streams < 1 || events < streams || events % streams != 0) {
      throw new IllegalArgumentException("--scale-events must be a multiple of --scale-streams (both >= 1), but they"
          + " were " + events + " and " + streams);
    }
    if (events / 10 < 1000) {
      throw new IllegalArgumentException("--scale-events must be at least 10000 but was " + events);
    }
  }

  /** Runs the three parts, prints the report section and writes JSON if asked. */
  void run(Environment env, PrintStream out, @Nullable Path json) throws Exception {
    long started = System.nanoTime();
    env.facts().put("mode", "scale");
    env.facts().put("scale_events", events);
    env.facts().put("scale_streams", streams);
    Report.printEnvironment(out, env.facts());
    Map<String, Object> section = new LinkedHashMap<>();
    String run = KafkaCase.runId();

    out.println("Scale 1/3: the store, empty and prefilled to " + events + " events over " + streams + " streams");
    long t = System.nanoTime();
    Map<String, Object> store = storeGrowth(env, out);
    section.put("store", store);
    out.printf(Locale.ROOT, "Scale 1/3 took %.0f s%n%n", (System.nanoTime() - t) / 1e9);

    out.println("Kafka: " + env.kafka().describe());
    List<ScaleRelay.Cell> cells;
    List<ScaleMemory.Row> memory = new ArrayList<>();
    try (Admin admin = Topics.admin(env.kafka().bootstrapServers())) {
      out.println("Scale 2/3: the relay's ceiling, partitions x event size");
      t = System.nanoTime();
      cells = ScaleRelay.grid(env, admin, run, out);
      out.printf(Locale.ROOT, "Scale 2/3 took %.0f s%n%n", (System.nanoTime() - t) / 1e9);

      int best = cells.stream().filter(c -> c.payloadBytes() < 1000)
          .max(java.util.Comparator.comparingDouble(c -> c.drain().eventsPerSecond()))
          .map(ScaleRelay.Cell::partitions).orElse(4);
      out.println("Scale 3/3: live heap of the relay and a Kafka-fed runner, " + best + " partitions, two backlogs");
      t = System.nanoTime();
      try {
        memory.addAll(measureMemory(env, run, new long[] {events / 100, events / 10}, best, out));
      } catch (Exception e) {
        // The first two parts' figures are still worth reporting.
        e.printStackTrace(out);
        section.put("memory_failed", e.toString());
      }
      out.printf(Locale.ROOT, "Scale 3/3 took %.0f s%n%n", (System.nanoTime() - t) / 1e9);
    }
    section.put("relay", cells.stream().map(ScaleRelay.Cell::toJson).toList());
    section.put("memory", memory.stream().map(ScaleMemory.Row::toJson).toList());
    env.finish();
    long seconds = Math.round((System.nanoTime() - started) / 1e9);
    env.facts().put("duration_s", seconds);
    printSection(out, store, cells, memory);
    out.printf(Locale.ROOT, "Scale mode took %d min %d s (load average at the end %s)%n", seconds / 60, seconds % 60,
        env.facts().get("load_average_at_end"));
    if (json != null) {
      Map<String, Object> root = new LinkedHashMap<>();
      root.put("env", env.facts());
      root.put("scale", section);
      Path parent = json.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), root);
      out.println("JSON written to " + json.toAbsolutePath());
    }
  }

  /**
   * Runs only the memory part, for the given backlogs, with 16 partitions (the partitions the full
   * mode picked for 200 B events in the run quoted): to add backlog sizes to a full run's two.
   */
  static void memoryOnly(Environment env, PrintStream out, @Nullable Path json, List<Long> backlogs) throws Exception {
    long started = System.nanoTime();
    env.facts().put("mode", "scale, memory only");
    Report.printEnvironment(out, env.facts());
    List<ScaleMemory.Row> memory =
        measureMemory(env, KafkaCase.runId(), backlogs.stream().mapToLong(Long::longValue).toArray(), 16, out);
    env.finish();
    env.facts().put("duration_s", Math.round((System.nanoTime() - started) / 1e9));
    if (json != null) {
      Map<String, Object> root = new LinkedHashMap<>();
      root.put("env", env.facts());
      root.put("memory", memory.stream().map(ScaleMemory.Row::toJson).toList());
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), root);
    }
  }

  /** The memory part: each backlog against a broker outside this JVM ({@link ScaleMemory#broker}). */
  private static List<ScaleMemory.Row> measureMemory(Environment env, String run, long[] backlogs, int partitions,
      PrintStream out) throws Exception {
    List<ScaleMemory.Row> memory = new ArrayList<>();
    Path dataDir = Files.createTempDirectory("cairn-scale-memory-kafka");
    try (KafkaServer broker = ScaleMemory.broker(env, dataDir);
        Admin admin = Topics.admin(broker.bootstrapServers())) {
      out.println("  memory: Kafka " + broker.describe());
      for (long backlog : backlogs) {
        memory.add(ScaleMemory.measure(env, broker.bootstrapServers(), admin, run, backlog, partitions, MEMORY_PAYLOAD,
            out));
      }
    } finally {
      // The child broker's logs hold every backlog's records.
      try (var paths = Files.walk(dataDir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    return memory;
  }

  /**
   * Two stores, one empty and one prefilled, measured interleaved: appends on both, then reads of
   * the prefilled one's start, middle and end against a small store (the empty one, given {@link
   * #READ_EVENTS} events), each read three times alternating, the median kept.
   */
  private Map<String, Object> storeGrowth(Environment env, PrintStream out) throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    int perStream = (int) (events / streams);
    long readEvents = Math.min(READ_EVENTS, events / 10);
    ExecutorService workers = Executors.newFixedThreadPool(StoreGrowth.WRITERS[StoreGrowth.WRITERS.length - 1]);
    try (var emptyDb = env.postgres().createDatabase("bench_scale_empty");
        var fullDb = env.postgres().createDatabase("bench_scale_store");
        HikariDataSource emptyPool = ScaleRelay.pool(emptyDb.jdbcUrl(), "scale-empty");
        HikariDataSource fullPool = ScaleRelay.pool(fullDb.jdbcUrl(), "scale-store")) {
      JdbcEventStore empty = ScaleRelay.store(emptyPool);
      JdbcEventStore full = ScaleRelay.store(fullPool);
      ScalePrefill.Filled big = ScalePrefill.fill(full, 0, streams, perStream, 0, 1_000_000, out);
      long mb = ScalePrefill.databaseMb(full);
      out.printf(Locale.ROOT, "  prefilled %,d events over %,d streams in %.0f s (%,.0f events/s), then VACUUM ANALYZE"
              + " in %.0f s; database %,d MB%n", big.events(), streams, big.seconds(), big.events() / big.seconds(),
          big.maintenanceSeconds(), mb);
      Map<String, Object> fill = new LinkedHashMap<>();
      fill.put("events", big.events());
      fill.put("streams", streams);
      fill.put("insert_s", ScaleRelay.round(big.seconds()));
      fill.put("vacuum_analyze_s", ScaleRelay.round(big.maintenanceSeconds()));
      fill.put("database_mb", mb);
      m.put("prefill", fill);

      StoreGrowth e = new StoreGrowth(empty, "empty", workers, out);
      StoreGrowth f = new StoreGrowth(full, "prefilled", workers, out);
      List<List<StoreGrowth.Appends>> appends = StoreGrowth.appendsInterleaved(e, f);
      m.put("empty_appends", appends.get(0).stream().map(StoreGrowth.Appends::toJson).toList());
      m.put("full_appends", appends.get(1).stream().map(StoreGrowth.Appends::toJson).toList());

      ScalePrefill.Filled small =
          ScalePrefill.fill(empty, 0, Math.max(1, readEvents / perStream), perStream, 0, 1_000_000, out);
      m.put("small_store_events", small.events());
      long last = full.jdbi().withHandle(h ->
          h.createQuery("SELECT max(global_position) FROM cairn.events").mapTo(Long.class).one());
      GlobalPosition middle = f.positionBefore(last / 2);
      GlobalPosition nearEnd = f.positionBefore(last - readEvents);
      List<List<StoreGrowth.Read>> reads = new ArrayList<>();
      for (int r = 0; r < 3; r++) {
        reads.add(List.of(
            e.read("start", GlobalPosition.START, readEvents),
            f.read("start", GlobalPosition.START, readEvents),
            f.read("middle", middle, readEvents),
            f.read("last " + readEvents, nearEnd, readEvents)));
      }
      List<Map<String, Object>> smallReads = new ArrayList<>();
      List<Map<String, Object>> fullReads = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int col = i;
        StoreGrowth.Read first = reads.get(0).get(i);
        double rate = Stats.median(reads.stream().mapToDouble(rs -> rs.get(col).eventsPerSecond()).toArray());
        Map<String, Object> json = new StoreGrowth.Read(first.from(), first.events(), rate).toJson();
        (i == 0 ? smallReads : fullReads).add(json);
      }
      m.put("small_reads", smallReads);
      m.put("full_reads", fullReads);
      m.put("small_read_plan", e.explainRead(GlobalPosition.START));
      List<String> plan = f.explainRead(middle);
      out.println("  the reader's keyset query from the middle of the prefilled store:");
      plan.forEach(line -> out.println("    " + line));
      m.put("full_read_plan", plan);
    } finally {
      workers.shutdownNow();
    }
    return m;
  }

  /** A list of JSON rows that {@link #storeGrowth} always puts into its section. */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> rows(Map<String, Object> store, String key) {
    return (List<Map<String, Object>>) Objects.requireNonNull(store.get(key), key);
  }

  private static void printSection(PrintStream out, Map<String, Object> store, List<ScaleRelay.Cell> cells,
      List<ScaleMemory.Row> memory) {
    out.println("Scale results");
    out.println("  append_single (events/s, p50 / p99 ms): empty store -> prefilled store");
    List<Map<String, Object>> empty = rows(store, "empty_appends");
    List<Map<String, Object>> full = rows(store, "full_appends");
    for (int i = 0; i < empty.size(); i++) {
      Map<String, Object> e = empty.get(i);
      Map<String, Object> f = full.get(i);
      out.printf(Locale.ROOT, "    %s writer(s): %s (%s / %s) -> %s (%s / %s)%n", e.get("writers"), e.get("events_per_s"),
          e.get("p50_ms"), e.get("p99_ms"), f.get("events_per_s"), f.get("p50_ms"), f.get("p99_ms"));
    }
    out.println("  global read (events/s, median of 3): small store (" + store.get("small_store_events") + " events) and prefilled store");
    rows(store, "small_reads").forEach(r ->
        out.printf(Locale.ROOT, "    small, from %s: %s%n", r.get("from"), r.get("events_per_s")));
    rows(store, "full_reads").forEach(r ->
        out.printf(Locale.ROOT, "    prefilled, from %s: %s%n", r.get("from"), r.get("events_per_s")));
    out.println("  relay ceiling (events/s; payload MB/s; ms per tx / per cycle; cores relay thread / process;"
        + " machine CPU; bare producer/s; bound)");
    for (ScaleRelay.Cell c : cells) {
      ScaleRelay.Drain d = c.drain();
      out.printf(Locale.ROOT, "    %2d partitions, %5d B: %,8.0f; %6.1f MB/s; %5.1f / %5.1f ms; %.2f / %.2f; %s; %,.0f; %s%n",
          c.partitions(), c.payloadBytes(), d.eventsPerSecond(), d.eventsPerSecond() * c.payloadBytes() / 1e6,
          d.msPerTransaction(), d.cycleMs(), d.cores().relay(), d.cores().process(), ScaleRelay.pct(d.machineLoad()),
          c.producerBaseline(), c.bound());
    }
    out.println("  live heap beyond the idle baseline (MB) while draining");
    for (ScaleMemory.Row r : memory) {
      out.printf(Locale.ROOT, "    backlog %,9d: relay %+.1f MB (%,.0f events/s), runner %+.1f MB (%,.0f events/s over"
              + " %,d events); baseline %.0f MB%n", r.backlog(), r.relayMb(), r.relayRate(), r.runnerMb(), r.runnerRate(),
          r.runnerEvents(), r.baselineMb());
    }
    out.println();
  }
}
