package dev.cairn.testkit.internal;

import dev.cairn.testkit.KafkaServer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

/** A combined KRaft node in this JVM, from Kafka's own test kit (an internal API of Kafka). */
public final class InProcessKafka implements KafkaServer {

  private final KafkaClusterTestKit cluster;

  private InProcessKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /**
   * Starts the node and waits until its broker is ready.
   *
   * @return the running node
   * @throws IllegalStateException if it cannot start
   */
  public static InProcessKafka start() {
    KafkaClusterTestKit cluster = null;
    try {
      TestKitNodes nodes =
          new TestKitNodes.Builder()
              .setCombined(true)
              .setNumBrokerNodes(1)
              .setNumControllerNodes(1)
              // The test kit defaults to the newest metadata version, which may be unreleased.
              .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
              .build();
      KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
      BrokerDefaults.SINGLE_NODE.forEach(builder::setConfigProp);
      cluster = builder.build();
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      return new InProcessKafka(cluster);
    } catch (Exception e) {
      if (cluster != null) {
        try {
          cluster.close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("in-process Kafka did not start: " + e.getMessage(), e);
    }
  }

  @Override
  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  @Override
  public String describe() {
    return "in-process Kafka (KRaft, 1 node) at " + bootstrapServers();
  }

  @Override
  public void close() {
    try {
      cluster.close();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("in-process Kafka did not stop cleanly", e);
    }
  }
}
