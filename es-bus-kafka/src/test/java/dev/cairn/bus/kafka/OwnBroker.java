package dev.cairn.bus.kafka;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import kafka.cluster.Partition;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;
import org.apache.kafka.server.common.RequestLocal;
import org.apache.kafka.storage.internals.log.AppendOrigin;
import org.apache.kafka.storage.internals.log.UnifiedLog;
import org.apache.kafka.storage.internals.log.VerificationGuard;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A single-node broker in this JVM, of one test class's own (from Kafka's test kit), whose
 * partitions' logs the test writes into straight, as the leader would: transactions of a producer
 * id no coordinator knows, without a crash's timing. Registered as a static extension, it starts
 * before the class's tests and stops after them.
 */
final class OwnBroker implements BeforeAllCallback, AfterAllCallback {

  private KafkaClusterTestKit cluster;
  private Admin admin;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    TestKitNodes nodes =
        new TestKitNodes.Builder()
            .setCombined(true)
            .setNumBrokerNodes(1)
            .setNumControllerNodes(1)
            .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
            .build();
    cluster =
        new KafkaClusterTestKit.Builder(nodes)
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("transaction.state.log.num.partitions", "3")
            .setConfigProp("auto.create.topics.enable", "false")
            .build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
    admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()));
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (admin != null) {
      admin.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  Admin admin() {
    return admin;
  }

  /** The partition as its leader holds it. */
  Partition partition(TopicPartition tp) {
    return cluster.brokers().values().iterator().next().replicaManager().getPartitionOrException(tp);
  }

  /** Appends records of a transaction (epoch 0) as the partition's leader would from a client. */
  void appendTransactional(TopicPartition tp, long producerId, SimpleRecord... records) {
    Partition partition = partition(tp);
    UnifiedLog log = partition.unifiedLog().orElseThrow();
    VerificationGuard guard = log.maybeStartTransactionVerification(producerId, 0, (short) 0, false);
    partition.appendRecordsToLeader(
        MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, (short) 0, 0, records),
        AppendOrigin.CLIENT, -1, RequestLocal.noCaching(), guard, (short) 0);
  }

  /** The partition's end offset as a consumer of this isolation sees it. */
  long offset(TopicPartition tp, IsolationLevel isolation) throws Exception {
    return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(isolation))
        .partitionResult(tp).get(30, TimeUnit.SECONDS).offset();
  }
}
