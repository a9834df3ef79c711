package dev.cairn.testkit.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.testkit.KafkaCluster;
import dev.cairn.testkit.KafkaProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A KRaft cluster of combined broker and controller nodes, each a {@link ChildProcessKafka} with
 * its own directory ({@code node-1}, {@code node-2}, ...) under one cluster directory. The nodes
 * are formatted with one cluster id and share a static {@code controller.quorum.voters}; they are
 * spawned together, since none serves requests before a quorum of controllers is up.
 */
public final class ChildProcessCluster implements KafkaCluster {

  private static final Logger LOG = LoggerFactory.getLogger(ChildProcessCluster.class);
  /**
   * Three brokers start at once on what may be a two-core machine: a small heap each, and only
   * the JIT's first tier, which starts them faster and serves a test's load well enough.
   */
  private static final List<String> JVM = List.of("-Xms128m", "-Xmx384m", "-XX:TieredStopAtLevel=1");
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  private final Path dir;
  private final Map<Integer, ChildProcessKafka> nodes;

  private ChildProcessCluster(Path dir, Map<Integer, ChildProcessKafka> nodes) {
    this.dir = dir;
    this.nodes = nodes;
  }

  /**
   * Formats (if needed) and starts a cluster whose nodes live under {@code dir}, and waits until
   * every node serves requests and sees all the others.
   *
   * @param dir the cluster's directory; created if missing, reused if it holds a cluster
   * @param size how many nodes, at least 3 (topics are replicated three times)
   * @return the running cluster
   * @throws IllegalArgumentException if {@code size} is below 3
   * @throws IllegalStateException if it cannot start
   */
  public static ChildProcessCluster start(Path dir, int size) {
    if (size < 3) {
      throw new IllegalArgumentException("a cluster needs at least 3 nodes but was asked for " + size);
    }
    long started = System.nanoTime();
    try {
      Files.createDirectories(dir);
      Path layout = dir.resolve("cluster.properties");
      Properties cluster = new Properties();
      if (Files.exists(layout)) {
        try (var in = Files.newInputStream(layout)) {
          cluster.load(in);
        }
        if (Integer.parseInt(cluster.getProperty("size")) != size) {
          throw new IllegalArgumentException(
              "cluster in " + dir + " has " + cluster.getProperty("size") + " nodes, not " + size);
        }
      } else {
        cluster.setProperty("size", Integer.toString(size));
        cluster.setProperty("cluster.id", Uuid.randomUuid().toString());
        for (int id = 1; id <= size; id++) {
          cluster.setProperty(id + ".port", Integer.toString(ChildPorts.pick()));
          cluster.setProperty(id + ".controller", Integer.toString(ChildPorts.pick()));
        }
        ChildProcessKafka.store(cluster, layout);
      }
      String voters = voters(cluster, size);
      Map<Integer, ChildProcessKafka> nodes = new LinkedHashMap<>();
      List<CompletableFuture<Void>> formats = new ArrayList<>();
      for (int id = 1; id <= size; id++) {
        int port = Integer.parseInt(cluster.getProperty(id + ".port"));
        int controllerPort = Integer.parseInt(cluster.getProperty(id + ".controller"));
        Path nodeDir = Files.createDirectories(dir.resolve("node-" + id));
        Path props = nodeDir.resolve("server.properties");
        Properties p = ChildProcessKafka.nodeProperties(nodeDir, id, port, controllerPort, voters);
        BrokerDefaults.CLUSTER.forEach(p::setProperty);
        ChildProcessKafka.store(p, props);
        String clusterId = cluster.getProperty("cluster.id");
        formats.add(
            CompletableFuture.runAsync(
                () -> {
                  try {
                    ChildProcessKafka.formatIfNeeded(props, nodeDir, clusterId);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                }));
        nodes.put(id, new ChildProcessKafka(nodeDir, props, port, JVM, "KRaft node " + id + " of " + size));
      }
      join(formats);
      ChildProcessCluster result = new ChildProcessCluster(dir, nodes);
      try {
        nodes.values().forEach(ChildProcessKafka::spawn);
        join(nodes.values().stream().map(n -> CompletableFuture.runAsync(n::awaitReady)).toList());
        result.awaitNodes(Duration.ofSeconds(60));
      } catch (RuntimeException e) {
        result.close();
        throw e;
      }
      LOG.info(
          "Kafka cluster of {} nodes ready at {} in {} ms",
          size, result.bootstrapServers(), (System.nanoTime() - started) / 1_000_000);
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException("Kafka cluster did not start in " + dir, e);
    }
  }

  @Override
  public String bootstrapServers() {
    return nodes.values().stream().map(ChildProcessKafka::bootstrapServers).collect(Collectors.joining(","));
  }

  @Override
  public String describe() {
    return "Kafka cluster of " + nodes.size() + " broker processes (KRaft) at " + bootstrapServers()
        + ", data in " + dir;
  }

  @Override
  public List<Integer> nodeIds() {
    return List.copyOf(nodes.keySet());
  }

  @Override
  public KafkaProcess broker(int nodeId) {
    ChildProcessKafka node = nodes.get(nodeId);
    if (node == null) {
      throw new IllegalArgumentException("no node " + nodeId + " in cluster " + nodeIds());
    }
    return node;
  }

  @Override
  public int leaderOf(String topic, int partition) {
    // allTopicNames() fails rather than leave out a topic it was asked for.
    TopicDescription d =
        call(admin -> requireNonNull(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic), topic));
    Node leader =
        d.partitions().stream()
            .filter(p -> p.partition() == partition)
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("topic " + topic + " has no partition " + partition))
            .leader();
    if (leader == null || leader.isEmpty()) {
      throw new IllegalStateException("partition " + topic + "-" + partition + " has no leader now");
    }
    return leader.id();
  }

  @Override
  public int transactionCoordinatorOf(String transactionalId) {
    return call(admin -> admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get())
        .coordinatorId();
  }

  @Override
  public void awaitAllInSync(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> behind = List.of();
    while (System.nanoTime() < deadline) {
      behind = call(ChildProcessCluster::partitionsBehind);
      if (behind.isEmpty()) {
        return;
      }
      pause();
    }
    throw new IllegalStateException("replicas still out of sync after " + timeout + ": " + behind);
  }

  /**
   * Stops every node, all at once. A node's graceful shutdown waits for a quorum of controllers,
   * which is leaving too, so a node still up after a few seconds is killed.
   */
  @Override
  public void close() {
    join(nodes.values().stream().map(n -> CompletableFuture.runAsync(() -> n.close(CLOSE_GRACE))).toList());
  }

  private static List<String> partitionsBehind(Admin admin) throws Exception {
    var names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
    List<String> behind = new ArrayList<>();
    for (TopicDescription d : admin.describeTopics(names).allTopicNames().get().values()) {
      for (TopicPartitionInfo p : d.partitions()) {
        if (p.isr().size() < p.replicas().size()) {
          behind.add(d.name() + "-" + p.partition() + " isr " + p.isr().stream().map(Node::id).toList());
        }
      }
    }
    return behind;
  }

  private void awaitNodes(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (call(admin -> admin.describeCluster().nodes().get().size()) < nodes.size()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not all " + nodes.size() + " nodes registered after " + timeout);
      }
      pause();
    }
  }

  /** A call of the admin client, against whichever nodes are up. */
  private interface AdminCall<T> {
    T apply(Admin admin) throws Exception;
  }

  private <T> T call(AdminCall<T> call) {
    Map<String, Object> config =
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis(),
            AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
    try (Admin admin = Admin.create(config)) {
      return call.apply(admin);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking the cluster at " + bootstrapServers(), e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cluster at " + bootstrapServers() + " did not answer: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException("cluster at " + bootstrapServers() + " did not answer: " + e, e);
    }
  }

  private static String voters(Properties cluster, int size) {
    List<String> voters = new ArrayList<>();
    for (int id = 1; id <= size; id++) {
      voters.add(id + "@127.0.0.1:" + cluster.getProperty(id + ".controller"));
    }
    return String.join(",", voters);
  }

  private static void join(List<CompletableFuture<Void>> futures) {
    try {
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(3, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting or stopping Kafka nodes", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("Kafka nodes did not start or stop in 3 minutes", e);
    }
  }

  private static void pause() {
    // Polls a cluster that settles on its own; nothing to wait on but time.
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the Kafka cluster", e);
    }
  }
}
