package dev.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ChildProcessClusterTest {

  @TempDir Path dir;

  @Test
  void threeNodeCluster_servesTransactionsWithItsLeaderAndCoordinatorKilled_andLosesNothing() throws Exception {
    List<ProcessHandle> before = ProcessHandle.current().descendants().toList();
    try (KafkaCluster cluster = KafkaServer.childCluster(dir.resolve("cluster"), 3)) {
      assertThat(cluster.nodeIds()).containsExactly(1, 2, 3);
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("replicated", 1, (short) 3))).all().get();
        assertThat(admin.describeCluster().nodes().get()).hasSize(3);
      }
      try (KafkaProducer<String, String> producer = producer(cluster)) {
        producer.initTransactions();
        send(producer, "before");
        int coordinator = cluster.transactionCoordinatorOf("cluster-test-tx");
        int leader = cluster.leaderOf("replicated", 0);

        cluster.broker(leader).kill();
        assertThat(cluster.broker(leader).isAlive()).isFalse();
        send(producer, "leader-killed");
        cluster.broker(leader).restart();
        cluster.awaitAllInSync(Duration.ofSeconds(60));

        int coordinatorNow = cluster.transactionCoordinatorOf("cluster-test-tx");
        assertThat(coordinatorNow).isIn(cluster.nodeIds());
        cluster.broker(coordinatorNow).kill();
        send(producer, "coordinator-killed");
        cluster.broker(coordinatorNow).restart();
        assertThat(coordinator).isIn(cluster.nodeIds());
      }
      assertThat(consumeAll(cluster, 3)).containsExactly("before", "leader-killed", "coordinator-killed");
    }
    List<ProcessHandle> after = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
    assertThat(after).allMatch(before::contains);
  }

  private static KafkaProducer<String, String> producer(KafkaCluster cluster) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
            ProducerConfig.TRANSACTIONAL_ID_CONFIG, "cluster-test-tx",
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000,
            ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000));
  }

  private static void send(KafkaProducer<String, String> producer, String value) throws Exception {
    producer.beginTransaction();
    producer.send(new ProducerRecord<>("replicated", value, value)).get(60, TimeUnit.SECONDS);
    producer.commitTransaction();
  }

  private static List<String> consumeAll(KafkaCluster cluster, int expected) {
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG, "reader",
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
      consumer.subscribe(List.of("replicated"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (values.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
      }
    }
    return values;
  }
}
