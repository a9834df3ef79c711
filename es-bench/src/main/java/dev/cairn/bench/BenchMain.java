package dev.cairn.bench;

import dev.cairn.testkit.PostgresServer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs Cairn's benchmarks, each beside its raw baseline in the same run, interleaved, and prints
 * a table (and optionally JSON) of the medians and the ratios.
 *
 * <pre>
 * java -jar es-bench/target/es-bench.jar [--quick] [--durable] [--json FILE] [--case NAME[,NAME...]]
 *     [--scale [--scale-events N] [--scale-streams N]]
 *     [--staleness-rate N] [--staleness-writers N] [--staleness-lines N] [--staleness-seconds N]
 *     [--staleness-warmup N]
 * </pre>
 *
 * <p>PostgreSQL is the server named by {@code CAIRN_PG_URL}, else an embedded one; Kafka is the
 * cluster named by {@code CAIRN_KAFKA_BOOTSTRAP}, else a broker started in this JVM, and only if a
 * selected case needs Kafka.
 */
@Command(
    name = "es-bench",
    mixinStandardHelpOptions = true,
    versionProvider = BenchMain.Version.class,
    description = "Benchmarks Cairn's hot paths against raw JDBC and raw Kafka baselines, in the same run.")
public final class BenchMain implements Callable<Integer> {

  @Option(names = "--quick", description = "A short run (under 3 minutes on 2 cores); for sanity, not for quoting.")
  private boolean quick;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the environment and results as JSON.")
  private @Nullable Path json;

  @Option(
      names = "--case",
      paramLabel = "NAME",
      split = ",",
      description = "Run only these cases (repeatable or comma-separated); see --list.")
  private List<String> cases = new ArrayList<>();

  /** Set by {@link OwnJvm} on a child that runs one case for a run of several. */
  @Option(names = OwnJvm.NESTED, hidden = true)
  private boolean nested;

  @Option(names = "--list", description = "List the cases and exit.")
  private boolean list;

  @Option(
      names = "--durable",
      description = "Start the embedded PostgreSQL with fsync=on and synchronous_commit=on (not with CAIRN_PG_URL).")
  private boolean durable;

  @Option(names = "--staleness-rate", paramLabel = "N", description = "Commands per second of the staleness case (default ${DEFAULT-VALUE}).")
  private int stalenessRate = StalenessCase.Load.DEFAULT.rate();

  @Option(names = "--staleness-writers", paramLabel = "N", description = "Writer threads of the staleness case (default ${DEFAULT-VALUE}).")
  private int stalenessWriters = StalenessCase.Load.DEFAULT.writers();

  @Option(names = "--staleness-lines", paramLabel = "N", description = "Lines per order of the staleness case: 1 + N rows for the runner per command (default ${DEFAULT-VALUE}).")
  private int stalenessLines = StalenessCase.Load.DEFAULT.lines();

  @Option(names = "--staleness-seconds", paramLabel = "N", description = "How long the staleness case's load runs (default 60, quick 15).")
  private @Nullable Integer stalenessSeconds;

  @Option(names = "--staleness-warmup", paramLabel = "N", description = "Seconds of unmeasured load before it (default ${DEFAULT-VALUE}).")
  private int stalenessWarmup = (int) StalenessCase.Load.DEFAULT.warmup().toSeconds();

  @Option(names = "--scale", description = "The scale figures instead of the cases: the store empty and prefilled, the"
      + " relay's ceiling over partitions and event sizes, the heap of the relay and a runner (about 20 minutes).")
  private boolean scale;

  @Option(names = "--scale-events", paramLabel = "N", description = "Events of --scale's prefilled store (default ${DEFAULT-VALUE}).")
  private long scaleEvents = 10_000_000;

  @Option(names = "--scale-streams", paramLabel = "N", description = "Streams they are spread over (default ${DEFAULT-VALUE}).")
  private long scaleStreams = 1_000_000;

  @Option(names = "--scale-memory-only", paramLabel = "N", split = ",",
      description = "Run only --scale's memory part, for these backlog sizes (events).")
  private List<Long> scaleMemoryOnly = new ArrayList<>();

  private final PrintStream out;

  private BenchMain(PrintStream out) {
    this.out = out;
  }

  /**
   * Runs the benchmarks and exits with 0 if every selected case ran (whether or not it met its
   * target), 1 if one failed, 2 on a usage error.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchMain(System.out)).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    StalenessCase.Load load;
    try {
      load = new StalenessCase.Load(stalenessRate, stalenessWriters, stalenessLines,
          stalenessSeconds == null ? null : Duration.ofSeconds(stalenessSeconds), Duration.ofSeconds(stalenessWarmup));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
    }
    String pgUrl = System.getenv(PostgresServer.ENV);
    if (durable && pgUrl != null && !pgUrl.isBlank()) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--durable starts the embedded server durable; the server named by CAIRN_PG_URL keeps its own settings");
    }
    if (scale) {
      ScaleMode mode;
      try {
        mode = new ScaleMode(scaleEvents, scaleStreams);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
      }
      try (Environment env = Environment.start(Settings.FULL, List.of("scale"), durable)) {
        if (scaleMemoryOnly.isEmpty()) {
          mode.run(env, out, json);
        } else {
          ScaleMode.memoryOnly(env, out, json, scaleMemoryOnly);
        }
      }
      return 0;
    }
    List<BenchCase> all = Cases.all(load);
    if (list) {
      all.forEach(c -> out.printf("%-20s %s%n", c.name(), c.description()));
      Cases.pending().forEach((n, why) -> out.printf("%-20s (not yet: %s)%n", n, why));
      return 0;
    }
    List<BenchCase> selected = new ArrayList<>();
    Map<String, String> pending = new LinkedHashMap<>();
    if (cases.isEmpty()) {
      selected.addAll(all);
      pending.putAll(Cases.pending());
    } else {
      for (String name : cases) {
        BenchCase found = all.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
        if (found != null) {
          selected.add(found);
        } else if (Cases.pending().containsKey(name)) {
          pending.put(name, Cases.pending().get(name));
        } else {
          throw new CommandLine.ParameterException(
              new CommandLine(this), "unknown case '" + name + "'; known: "
                  + all.stream().map(BenchCase::name).toList() + " and, not yet written, " + Cases.pending().keySet());
        }
      }
    }
    Settings settings = quick ? Settings.QUICK : Settings.FULL;
    List<Result> results = new ArrayList<>();
    Map<String, String> failed = new LinkedHashMap<>();
    long started = System.nanoTime();
    try (Environment env = Environment.start(settings, selected.stream().map(BenchCase::name).toList(), durable)) {
      if (!nested) {
        Report.printEnvironment(out, env.facts());
      }
      BenchContext context = new BenchContext(settings, env, out);
      for (BenchCase c : selected) {
        if (c.needsKafka()) {
          out.println("Kafka: " + env.kafka().describe());
        }
        if (!nested) {
          out.printf("Case %s: %s%n", c.name(), c.description());
        }
        long caseStart = System.nanoTime();
        try {
          // The quick run is for seeing that every case runs, not for quoting: no fork.
          if (c.ownJvm() && selected.size() > 1 && !quick) {
            OwnJvm.Outcome child = OwnJvm.run(c, quick, durable, out);
            results.addAll(child.results());
            failed.putAll(child.failed());
          } else {
            results.addAll(c.run(context));
          }
        } catch (Exception | AssertionError e) {
          failed.put(c.name(), e.toString());
          e.printStackTrace(out);
        }
        out.printf("Case %s took %.0f s%n%n", c.name(), (System.nanoTime() - caseStart) / 1e9);
      }
      env.finish();
      env.facts().put("duration_s", Math.round((System.nanoTime() - started) / 1e9));
      if (!nested) {
        Report.printTable(out, results, failed, pending);
        out.printf("Total elapsed: %s s (load average %s at the start, %s at the end)%n", env.facts().get("duration_s"),
            env.facts().get("load_average_at_start"), env.facts().get("load_average_at_end"));
      }
      if (json != null) {
        Report.writeJson(json, env.facts(), results, failed, pending);
        if (!nested) {
          out.println("JSON written to " + json.toAbsolutePath());
        }
      }
    }
    return failed.isEmpty() ? 0 : 1;
  }

  /** Reports the version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = BenchMain.class.getPackage().getImplementationVersion();
      return new String[] {"es-bench " + (v == null ? "(development build)" : v)};
    }
  }
}
