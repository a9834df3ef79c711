package dev.cairn.testkit;

import dev.cairn.testkit.internal.ChildProcessCluster;
import dev.cairn.testkit.internal.ChildProcessKafka;
import dev.cairn.testkit.internal.ExternalKafka;
import dev.cairn.testkit.internal.InProcessKafka;
import java.nio.file.Path;

/**
 * A real Kafka cluster for tests and demos: a KRaft broker started in this JVM or in a child JVM
 * from Kafka's own jars, or the cluster named by the {@code CAIRN_KAFKA_BOOTSTRAP} environment
 * variable.
 *
 * <p>Kafka's test kit is an internal API of Kafka; this interface is the one place Cairn touches
 * it.
 */
public interface KafkaServer extends AutoCloseable {

  /** The environment variable that names an external cluster by its bootstrap servers. */
  String ENV = "CAIRN_KAFKA_BOOTSTRAP";

  /**
   * Returns the address clients bootstrap from.
   *
   * @return {@code host:port[,host:port...]}
   */
  String bootstrapServers();

  /**
   * Tells where this cluster is and how it runs, for log lines and benchmark reports.
   *
   * @return a short description
   */
  String describe();

  /** Stops the broker if this object started it; an external cluster is left running. */
  @Override
  void close();

  /**
   * Starts a single combined KRaft node in this JVM, or connects to the cluster named by
   * {@value #ENV}.
   *
   * @return the cluster
   * @throws IllegalStateException if the broker cannot start
   */
  static KafkaServer fromEnvironmentOrInProcess() {
    String bootstrap = System.getenv(ENV);
    return bootstrap == null || bootstrap.isBlank() ? inProcess() : external(bootstrap);
  }

  /**
   * Starts a single combined KRaft node (broker and controller) in this JVM, with the offsets and
   * transaction-state topics at replication factor 1.
   *
   * @return the running broker
   * @throws IllegalStateException if it cannot start
   */
  static KafkaServer inProcess() {
    return InProcessKafka.start();
  }

  /**
   * Starts a real broker process ({@code kafka.Kafka}) in a child JVM, formatting its storage
   * first. The child stops with this JVM, even if this JVM is killed: it exits when its standard
   * input closes.
   *
   * @param dataDir where the broker keeps its logs; reused if already formatted
   * @return the running broker, which can also be killed and restarted on the same port
   * @throws IllegalStateException if it cannot start
   */
  static KafkaProcess childProcess(Path dataDir) {
    return ChildProcessKafka.start(dataDir);
  }

  /**
   * Starts a KRaft cluster of broker processes, each a combined broker and controller in a child
   * JVM ({@code -Xmx384m}), formatted with one cluster id and started in parallel. Topics are
   * replicated three times by default with {@code min.insync.replicas=2}, the offsets and
   * transaction-state topics too, so the cluster serves transactions with one node down. The
   * children stop with this JVM, as {@link #childProcess(Path)}'s does.
   *
   * @param dir where the nodes keep their data, one directory each; reused if it holds a cluster
   *     of the same size
   * @param brokers how many nodes, at least 3
   * @return the running cluster, whose nodes can be killed and restarted one by one
   * @throws IllegalArgumentException if {@code brokers} is below 3
   * @throws IllegalStateException if it cannot start
   */
  static KafkaCluster childCluster(Path dir, int brokers) {
    return ChildProcessCluster.start(dir, brokers);
  }

  /**
   * Connects to an external cluster.
   *
   * @param bootstrapServers its bootstrap servers
   * @return the cluster
   * @throws IllegalArgumentException if the address is blank
   */
  static KafkaServer external(String bootstrapServers) {
    return new ExternalKafka(bootstrapServers);
  }
}
