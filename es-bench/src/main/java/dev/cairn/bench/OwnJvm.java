package dev.cairn.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one case in a JVM of its own ({@link BenchCase#ownJvm}): a child process of the same
 * classpath, JVM settings and modes, with servers of its own, whose rows come back through its
 * JSON report. Its log goes to this run's log as it comes.
 */
final class OwnJvm {

  /** Hidden flag of {@link BenchMain}: a child prints no environment, table or total of its own. */
  static final String NESTED = "--nested";

  /**
   * What the child reported.
   *
   * @param results its rows
   * @param failed its failure, by case name; empty if it ran
   */
  record Outcome(List<Result> results, Map<String, String> failed) {}

  private OwnJvm() {}

  /**
   * The child's command line: this JVM's java, its heap and {@code -XX}/{@code -D} settings (not a
   * flight recording, which would write over this one's), the same classpath and modes, one case.
   *
   * @param java the java executable
   * @param jvmArgs this JVM's input arguments
   * @param classPath this JVM's classpath
   * @param caseName the case to run
   * @param json where the child writes its report
   * @param quick whether this is the quick run
   * @param durable whether the embedded server is durable
   * @return the command
   */
  static List<String> command(
      String java, List<String> jvmArgs, String classPath, String caseName, Path json, boolean quick, boolean durable) {
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    for (String a : jvmArgs) {
      boolean setting = a.startsWith("-Xm") || a.startsWith("-Xss") || a.startsWith("-XX:") || a.startsWith("-D");
      if (setting && !a.startsWith("-XX:StartFlightRecording") && !a.startsWith("-XX:FlightRecorderOptions")) {
        cmd.add(a);
      }
    }
    cmd.addAll(List.of("-cp", classPath, BenchMain.class.getName(), NESTED, "--case", caseName, "--json", json.toString()));
    if (quick) {
      cmd.add("--quick");
    }
    if (durable) {
      cmd.add("--durable");
    }
    return cmd;
  }

  /**
   * Runs the case in a child JVM and waits for it.
   *
   * @param c the case
   * @param quick whether this is the quick run
   * @param durable whether the embedded server is durable
   * @param out this run's log
   * @return the child's rows, or its failure
   */
  static Outcome run(BenchCase c, boolean quick, boolean durable, PrintStream out) throws IOException, InterruptedException {
    Path json = Files.createTempFile("es-bench-" + c.name() + "-", ".json");
    try {
      List<String> cmd =
          command(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              ManagementFactory.getRuntimeMXBean().getInputArguments(), System.getProperty("java.class.path"), c.name(),
              json, quick, durable);
      out.println("  in a JVM of its own: " + String.join(" ", cmd));
      Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          out.println(line);
        }
      } finally {
        child.destroy();
      }
      int exit = child.waitFor();
      if (Files.size(json) == 0) {
        return new Outcome(List.of(), Map.of(c.name(), "its JVM exited with " + exit + " and wrote no report"));
      }
      return read(json);
    } finally {
      Files.deleteIfExists(json);
    }
  }

  /** Reads a child's JSON report: its rows and its failures. */
  @SuppressWarnings("unchecked")
  static Outcome read(Path json) throws IOException {
    Map<String, Object> root =
        new ObjectMapper().enable(DeserializationFeature.USE_LONG_FOR_INTS).readValue(json.toFile(), Map.class);
    List<Result> results = new ArrayList<>();
    for (Object row : (List<Object>) root.getOrDefault("results", List.of())) {
      results.add(Result.fromJson((Map<String, Object>) row));
    }
    Map<String, String> failed = new LinkedHashMap<>((Map<String, String>) root.getOrDefault("failed", Map.of()));
    return new Outcome(results, failed);
  }
}
