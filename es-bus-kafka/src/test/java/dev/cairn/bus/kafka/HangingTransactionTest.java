package dev.cairn.bus.kafka;

import static dev.cairn.bus.kafka.RelayTestSupport.appendRounds;
import static dev.cairn.bus.kafka.RelayTestSupport.assertExactlyOnceInOrder;
import static dev.cairn.bus.kafka.RelayTestSupport.migratedStore;
import static dev.cairn.bus.kafka.RelayTestSupport.readAll;
import static dev.cairn.bus.kafka.RelayTestSupport.readTopics;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.GlobalPosition;
import dev.cairn.bus.kafka.RelayStatus.State;
import dev.cairn.bus.kafka.internal.HangingTransactions;
import dev.cairn.bus.kafka.internal.TopicAdmin;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hanging transactions made on purpose: a transactional batch appended straight to a partition's
 * log in an in-process broker of this test's own, so no coordinator ever heard of its producer id.
 * That is the state a broker crash can leave behind, without the crash's randomness.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HangingTransactionTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();

  /** A producer id far above any the broker hands out in this test. */
  private static final long GHOST_PRODUCER_ID = 987_654_321L;

  @RegisterExtension static final OwnBroker broker = new OwnBroker();

  @Test
  void check_abortsTheTransactionNoCoordinatorKnows_andLeavesTheTrackedOneAlone() throws Exception {
    TopicPartition ghostly = createTopic("ghostly", 1, Map.of());
    TopicPartition live = createTopic("live", 1, Map.of());
    long now = System.currentTimeMillis();
    appendHangingTransaction(ghostly, GHOST_PRODUCER_ID, now - 60_000);
    assertThat(lastStableOffset(ghostly)).as("the hanging transaction holds the LSO").isZero();

    try (KafkaProducer<String, String> producer = liveTransactionalProducer("hanging-test-live");
        TopicAdmin topicAdmin = new TopicAdmin(Map.of("bootstrap.servers", broker.bootstrapServers()), Duration.ofSeconds(30))) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(live.topic(), "k", "v")).get(30, TimeUnit.SECONDS);
      HangingTransactions check = new HangingTransactions(topicAdmin, Duration.ofSeconds(30), Duration.ofSeconds(30));

      // An hour later as far as the check knows: both transactions are old, but the coordinator
      // still tracks the live one, so only the ghost's is aborted.
      HangingTransactions.Result result = check.abortHanging(List.of(ghostly.topic(), live.topic()), now + 3_600_000);

      assertThat(result.aborted()).singleElement().satisfies(t -> {
        assertThat(t.partition()).isEqualTo(ghostly);
        assertThat(t.producerId()).isEqualTo(GHOST_PRODUCER_ID);
        assertThat(t.startOffset()).isZero();
      });
      await().atMost(Duration.ofSeconds(30)).until(() -> lastStableOffset(ghostly) == highWatermark(ghostly));
      assertThat(lastStableOffset(live)).as("the live transaction is still open").isZero();

      producer.commitTransaction();
      await().atMost(Duration.ofSeconds(30)).until(() -> lastStableOffset(live) == highWatermark(live));
      assertThat(check.abortHanging(List.of(ghostly.topic(), live.topic()), now + 3_600_000).aborted()).isEmpty();
    }
  }

  @Test
  void relay_whosePositionTopicHasAHangingTransaction_abortsIt_andPublishesEachEventOnce() throws Exception {
    JdbcEventStore store = migratedStore(pg.dataSource(), "hanging");
    appendRounds(store, "h-", 10, 3);
    String prefix = "hanging.";
    TopicPartition positions =
        createTopic(prefix + KafkaRelay.POSITION_TOPIC, 1, Map.of("cleanup.policy", "compact"));
    appendHangingTransaction(positions, GHOST_PRODUCER_ID + 1, System.currentTimeMillis() - 60_000);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();

    try (KafkaRelay relay =
        KafkaRelay.builder(store)
            .kafkaSettings(Map.of("bootstrap.servers", broker.bootstrapServers(), "transaction.timeout.ms", 5000))
            .topicPrefix(prefix)
            .partitions(2)
            .replicationFactor(1)
            .pollInterval(Duration.ofMillis(200))
            .maxBackoff(Duration.ofSeconds(1))
            .meterRegistry(meters)
            .build()
            .start()) {
      GlobalPosition head = store.headPosition();
      // The position read gives up after the transaction timeout plus the margin (15 s).
      await("relay reaches " + head)
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> relay.status().position().equals(head));
      assertThat(relay.status().state()).isEqualTo(State.ACTIVE);
      assertThat(meters.get("cairn.relay.hanging.aborted").counter().count()).isEqualTo(1.0);
    }
    // The coordinator writes commit markers after commitTransaction returns, so the relay's own
    // last transaction may still be settling; what must not remain is the ghost's.
    await("no transaction left open on " + positions)
        .atMost(Duration.ofSeconds(30))
        .until(() -> lastStableOffset(positions) == highWatermark(positions));
    assertExactlyOnceInOrder(readTopics(broker.bootstrapServers(), List.of(prefix + "account")), readAll(store));
  }

  private static TopicPartition createTopic(String name, int partitions, Map<String, String> configs) throws Exception {
    broker.admin().createTopics(List.of(new NewTopic(name, Optional.of(partitions), Optional.of((short) 1)).configs(configs)))
        .all().get(30, TimeUnit.SECONDS);
    TopicPartition tp = new TopicPartition(name, 0);
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> highWatermark(tp) == 0);
    return tp;
  }

  /**
   * Appends one transactional record of a producer id no coordinator knows to the partition's
   * leader log, as a broker would have before it crashed and lost the coordinator's record.
   */
  private static void appendHangingTransaction(TopicPartition tp, long producerId, long timestamp) {
    broker.appendTransactional(tp, producerId,
        new SimpleRecord(timestamp, "ghost".getBytes(StandardCharsets.UTF_8), "never ends".getBytes(StandardCharsets.UTF_8)));
  }

  private static KafkaProducer<String, String> liveTransactionalProducer(String transactionalId) {
    return new KafkaProducer<>(
        Map.of("bootstrap.servers", broker.bootstrapServers(), "transactional.id", transactionalId),
        new StringSerializer(), new StringSerializer());
  }

  private static long highWatermark(TopicPartition tp) throws Exception {
    return broker.offset(tp, IsolationLevel.READ_UNCOMMITTED);
  }

  private static long lastStableOffset(TopicPartition tp) throws Exception {
    return broker.offset(tp, IsolationLevel.READ_COMMITTED);
  }
}
