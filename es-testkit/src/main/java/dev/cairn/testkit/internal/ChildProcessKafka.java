package dev.cairn.testkit.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.testkit.KafkaProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real broker process: {@code kafka.Kafka} in a child JVM, after {@code StorageTool format}.
 * It is stopped by a shutdown hook of this JVM and, should this JVM die without running hooks, by
 * its own watchdog when its standard input closes.
 */
public final class ChildProcessKafka implements KafkaProcess {

  private static final Logger LOG = LoggerFactory.getLogger(ChildProcessKafka.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  /** The JVM options of a lone broker. */
  static final List<String> SINGLE_JVM = List.of("-Xms128m", "-Xmx768m");

  /** The JVM options of the storage tool, which runs for a second: the JIT's top tier never pays. */
  private static final List<String> TOOL_JVM = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");

  private final Path dataDir;
  private final Path properties;
  private final int port;
  private final List<String> jvmOptions;
  private final String role;
  private final LastResort lastResort;
  private @Nullable Process process;
  private @Nullable OutputStream lifeline;

  ChildProcessKafka(Path dataDir, Path properties, int port, List<String> jvmOptions, String role) {
    this.dataDir = dataDir;
    this.properties = properties;
    this.port = port;
    this.jvmOptions = jvmOptions;
    this.role = role;
    this.lastResort = new LastResort("cairn-kafka-child-stop", this::stopQuietly);
  }

  /**
   * Formats (if needed) and starts a broker whose data lives in {@code dataDir}.
   *
   * @param dataDir the broker's directory; created if missing
   * @return the running broker
   * @throws IllegalStateException if it cannot start
   */
  public static ChildProcessKafka start(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
      Path props = dataDir.resolve("server.properties");
      int port;
      if (Files.exists(props)) {
        Properties existing = new Properties();
        try (var in = Files.newInputStream(props)) {
          existing.load(in);
        }
        port = Integer.parseInt(existing.getProperty("cairn.port"));
      } else {
        port = ChildPorts.pick();
        int controllerPort = ChildPorts.pick();
        Properties p = nodeProperties(dataDir, 1, port, controllerPort, "1@127.0.0.1:" + controllerPort);
        p.setProperty("num.partitions", "1");
        BrokerDefaults.SINGLE_NODE.forEach(p::setProperty);
        store(p, props);
      }
      formatIfNeeded(props, dataDir, Uuid.randomUuid().toString());
      ChildProcessKafka kafka = new ChildProcessKafka(dataDir, props, port, SINGLE_JVM, "KRaft, 1 node");
      kafka.launch();
      return kafka;
    } catch (IOException e) {
      throw new UncheckedIOException("child Kafka did not start in " + dataDir, e);
    }
  }

  @Override
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  @Override
  public String describe() {
    return "Kafka broker process (" + role + ") at " + bootstrapServers() + ", data in " + dataDir;
  }

  @Override
  public synchronized void kill() {
    if (process != null) {
      process.destroyForcibly();
      waitFor(process, Duration.ofSeconds(30));
      closeLifeline();
    }
  }

  @Override
  public synchronized void restart() {
    if (isAlive()) {
      throw new IllegalStateException("broker at " + bootstrapServers() + " is still running");
    }
    launch();
  }

  @Override
  public synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }

  /**
   * Stops the broker gracefully, or kills it if it has not stopped within {@code grace}.
   *
   * @param grace how long a graceful shutdown may take
   */
  void close(Duration grace) {
    stop(grace);
    lastResort.closed();
  }

  private void stopQuietly() {
    stop(Duration.ofSeconds(30));
  }

  private synchronized void stop(Duration grace) {
    if (process == null || !process.isAlive()) {
      return;
    }
    closeLifeline(); // the child's watchdog starts a graceful shutdown
    if (!waitFor(process, grace)) {
      process.destroyForcibly();
      waitFor(process, Duration.ofSeconds(10));
    }
  }

  /** Starts the process and waits until it serves requests. */
  synchronized void launch() {
    Process started = spawn();
    awaitReady();
    LOG.info("Kafka broker process {} ready at {}", started.pid(), bootstrapServers());
  }

  /**
   * Starts the process without waiting: a broker of a cluster serves nothing until a quorum of
   * controllers is up, so a cluster spawns all of its nodes before waiting for any.
   *
   * @return the process
   */
  synchronized Process spawn() {
    List<String> command = javaCommand(jvmOptions, KafkaChildMain.class.getName(), properties.toString());
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("broker.log").toFile()));
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not launch " + command, e);
    }
    lifeline = process.getOutputStream();
    return process;
  }

  /**
   * Waits until the process serves requests.
   *
   * @throws IllegalStateException if it exits or is not ready in time
   */
  synchronized void awaitReady() {
    // Callers spawn() first.
    Process process = requireNonNull(this.process, "process");
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    Map<String, Object> config =
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
    try (Admin admin = Admin.create(config)) {
      Exception last = null;
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              "Kafka broker process exited with " + process.exitValue() + "; see "
                  + dataDir.resolve("broker.log"));
        }
        try {
          if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (Exception e) {
          if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka", e);
          }
          last = e; // not up yet; the admin client's own request timeout paces this loop
        }
      }
      process.destroyForcibly();
      throw new IllegalStateException(
          "Kafka broker process not ready after " + START_TIMEOUT + "; see "
              + dataDir.resolve("broker.log"), last);
    }
  }

  private void closeLifeline() {
    if (lifeline != null) {
      try {
        lifeline.close();
      } catch (IOException e) {
        // The child is gone already.
      }
      lifeline = null;
    }
  }

  /**
   * Formats a node's storage for a cluster unless it was formatted before.
   *
   * @param props the node's properties file
   * @param dataDir the node's directory
   * @param clusterId the cluster's id, the same for every node of a cluster
   * @throws IOException if the tool cannot run
   */
  static void formatIfNeeded(Path props, Path dataDir, String clusterId) throws IOException {
    if (Files.exists(dataDir.resolve("logs").resolve("meta.properties"))) {
      return;
    }
    List<String> command =
        javaCommand(TOOL_JVM, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", props.toString());
    Process format =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("format.log").toFile()))
            .start();
    if (!waitFor(format, START_TIMEOUT) || format.exitValue() != 0) {
      format.destroyForcibly();
      throw new IllegalStateException(
          "kafka.tools.StorageTool format failed; see " + dataDir.resolve("format.log"));
    }
  }

  /**
   * The settings of one combined broker and controller node.
   *
   * @param dataDir the node's directory
   * @param nodeId its node id
   * @param port its client port
   * @param controllerPort its controller port
   * @param voters the cluster's {@code controller.quorum.voters}
   * @return the settings, to which the caller adds its defaults
   */
  static Properties nodeProperties(Path dataDir, int nodeId, int port, int controllerPort, String voters) {
    Properties p = new Properties();
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", Integer.toString(nodeId));
    p.setProperty("controller.quorum.voters", voters);
    p.setProperty(
        "listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("inter.broker.listener.name", "PLAINTEXT");
    p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.setProperty("log.dirs", dataDir.resolve("logs").toString());
    // Our own bookkeeping; Kafka ignores unknown keys.
    p.setProperty("cairn.port", Integer.toString(port));
    return p;
  }

  static void store(Properties p, Path props) throws IOException {
    try (var out = Files.newOutputStream(props)) {
      p.store(out, "Cairn child-JVM Kafka broker");
    }
  }

  private static List<String> javaCommand(List<String> jvmOptions, String mainClass, String... args) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // Under Surefire the test class path is not the JVM's own class path.
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(jvmOptions);
    command.add("-XX:+UseSerialGC");
    command.add("-cp");
    command.add(classPath);
    command.add(mainClass);
    command.addAll(List.of(args));
    return command;
  }

  private static boolean waitFor(Process process, Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
