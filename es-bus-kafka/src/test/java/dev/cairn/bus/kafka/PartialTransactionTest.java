package dev.cairn.bus.kafka;

import static dev.cairn.bus.kafka.RelayTestSupport.appendRounds;
import static dev.cairn.bus.kafka.RelayTestSupport.assertExactlyOnceInOrder;
import static dev.cairn.bus.kafka.RelayTestSupport.header;
import static dev.cairn.bus.kafka.RelayTestSupport.migratedStore;
import static dev.cairn.bus.kafka.RelayTestSupport.readAll;
import static dev.cairn.bus.kafka.RelayTestSupport.readTopics;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.Health;
import dev.cairn.api.RecordedEvent;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.server.common.RequestLocal;
import org.apache.kafka.storage.internals.log.AppendOrigin;
import org.apache.kafka.storage.internals.log.VerificationGuard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Transactions partly committed on purpose: the state a single-node broker's restart leaves when
 * it drops the commit markers still in flight (committed on some partitions, open on others),
 * written straight into the partitions' logs of an in-process broker, with a producer id no
 * coordinator knows, so the test needs no crash timing.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PartialTransactionTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();

  private static final long GHOST_PRODUCER_ID = 876_543_210L;

  @RegisterExtension static final OwnBroker broker = new OwnBroker();

  @Test
  void positionPartHangs_eventsCommitted_relayIsDownNamingIt_andResolvingPublishesTheBatchAgainWithoutLoss()
      throws Exception {
    JdbcEventStore store = migratedStore(pg.dataSource(), "partial_b");
    appendRounds(store, "b-", 5, 2);
    List<RecordedEvent> batch = readAll(store);
    String prefix = "partial-b.";
    long producerId = GHOST_PRODUCER_ID;
    try (KafkaRelay relay = relay(store, prefix)) {
      // The relay's batch: committed on the event partition, open on the position topic.
      Written written = appendBatch(relay, prefix, producerId, batch);
      TopicPartition positions = written.positions();
      TopicPartition events = written.events();
      appendMarker(events, producerId, written.sent(), ControlRecordType.COMMIT);

      relay.start();
      Health.Cause cause = awaitPartialCause(relay);
      assertThat(cause.status()).isEqualTo(Health.Status.DOWN);
      assertThat(cause.message()).contains(positions.toString(), "producer id " + producerId, "from offset 0",
          "ended (committed) on [" + events + "]");
      assertThat(relay.status().position()).as("the relay waits at its position read").isEqualTo(GlobalPosition.START);

      RelayRepair.Resolution resolution = RelayRepair.resolvePartiallyCommitted(relay, List.of(events.topic()));

      assertThat(resolution.resolved()).singleElement().asString().contains(positions.toString());
      assertThat(resolution.rewoundTo()).isEmpty();
      GlobalPosition head = store.headPosition();
      await("relay reaches " + head).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
          .until(() -> relay.status().position().equals(head));
      await("the cause clears").atMost(Duration.ofSeconds(60)).until(() -> !hasPartialCause(relay));
      assertThat(RelayRepair.resolvePartiallyCommitted(relay, List.of(events.topic())).resolved())
          .as("nothing is left to resolve").isEmpty();
    }
    List<ConsumerRecord<String, byte[]>> read = readTopics(broker.bootstrapServers(), List.of(prefix + "account"));
    // At least once, never lost: the batch committed on the event partition, then published again.
    assertExactlyOnceInOrder(read.subList(0, batch.size()), batch);
    assertExactlyOnceInOrder(read.subList(batch.size(), read.size()), readAll(store));
  }

  @Test
  void eventPartHangs_positionCommitted_relayIsDownNamingIt_andResolvingRepublishesThePartWithoutLoss()
      throws Exception {
    JdbcEventStore store = migratedStore(pg.dataSource(), "partial_a");
    appendRounds(store, "a-", 5, 2);
    List<RecordedEvent> batch = readAll(store);
    String prefix = "partial-a.";
    long producerId = GHOST_PRODUCER_ID + 1;
    try (KafkaRelay relay = relay(store, prefix)) {
      // The relay's batch: open on the event partition, committed on the position topic.
      Written written = appendBatch(relay, prefix, producerId, batch);
      TopicPartition positions = written.positions();
      TopicPartition events = written.events();
      appendMarker(positions, producerId, written.sent(), ControlRecordType.COMMIT);
      // Events of other aggregates come after the batch; the relay resumes after the batch.
      appendRounds(store, "a-late-", 3, 2);

      relay.start();
      Health.Cause cause = awaitPartialCause(relay);
      assertThat(cause.message()).contains(events.toString(), "producer id " + producerId, "from offset 0",
          "ended (committed) on [" + positions + "]");
      GlobalPosition head = store.headPosition();
      await("relay reaches " + head).atMost(Duration.ofSeconds(60)).until(() -> relay.status().position().equals(head));

      RelayRepair.Resolution resolution = RelayRepair.resolvePartiallyCommitted(relay, List.of(events.topic()));

      assertThat(resolution.resolved()).singleElement().asString().contains(events.toString());
      GlobalPosition first = batch.get(0).position();
      assertThat(resolution.rewoundTo()).contains(new GlobalPosition(first.txId(), first.position() - 1));
      // A running relay learns that it was fenced with its next batch.
      appendRounds(store, "a-next-", 1, 1);
      GlobalPosition next = store.headPosition();
      await("the cause clears").atMost(Duration.ofSeconds(90)).until(() -> !hasPartialCause(relay));
      await("relay publishes again up to " + next).atMost(Duration.ofSeconds(60))
          .until(() -> relay.status().position().equals(next) && stable(events));
    }
    List<RecordedEvent> stored = readAll(store);
    List<ConsumerRecord<String, byte[]>> read = readTopics(broker.bootstrapServers(), List.of(prefix + "account"));
    // Nothing of the aborted part shows; the later events show twice (published, then again
    // after the rewind); the rewound copy holds every event once, in order.
    List<RecordedEvent> late = stored.subList(batch.size(), stored.size() - 1);
    assertExactlyOnceInOrder(read.subList(0, late.size()), late);
    assertExactlyOnceInOrder(read.subList(late.size(), read.size()), stored);
    assertThat(firstByEventId(read)).hasSize(stored.size());
  }

  private static KafkaRelay relay(JdbcEventStore store, String prefix) {
    return KafkaRelay.builder(store)
        .kafkaSettings(Map.of("bootstrap.servers", broker.bootstrapServers(), "transaction.timeout.ms", 5000))
        .topicPrefix(prefix)
        .partitions(1)
        .replicationFactor(1)
        .pollInterval(Duration.ofMillis(200))
        .maxBackoff(Duration.ofSeconds(1))
        .build();
  }

  /** Where {@link #appendBatch} wrote the relay's batch, and the time it gave the records. */
  private record Written(TopicPartition events, TopicPartition positions, long sent) {}

  /**
   * Writes the relay's batch as the relay would, a minute ago, as one transaction of the producer
   * id: the events on the event partition, the position on the position topic, both left open.
   */
  private static Written appendBatch(KafkaRelay relay, String prefix, long producerId, List<RecordedEvent> batch)
      throws Exception {
    TopicPartition positions = createPositionTopic(prefix);
    relay.ensureTopic(prefix + "account");
    TopicPartition events = new TopicPartition(prefix + "account", 0);
    long sent = System.currentTimeMillis() - 60_000;
    broker.appendTransactional(events, producerId, records(events.topic(), batch, sent));
    broker.appendTransactional(positions, producerId, positionRecord(relay, batch.get(batch.size() - 1).position(), sent));
    return new Written(events, positions, sent);
  }

  private static Health.Cause awaitPartialCause(KafkaRelay relay) {
    // The check judges open transactions older than the transaction timeout plus 10 s.
    await("relay raises transaction-partially-committed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> hasPartialCause(relay));
    return relay.health().causes().stream()
        .filter(c -> c.code().equals("transaction-partially-committed")).findFirst().orElseThrow();
  }

  private static boolean hasPartialCause(KafkaRelay relay) {
    return relay.health().causes().stream().anyMatch(c -> c.code().equals("transaction-partially-committed"));
  }

  private static Map<String, ConsumerRecord<String, byte[]>> firstByEventId(List<ConsumerRecord<String, byte[]>> read) {
    Map<String, ConsumerRecord<String, byte[]>> byId = new LinkedHashMap<>();
    read.forEach(r -> byId.putIfAbsent(header(r, CairnRecords.CE_ID), r));
    return byId;
  }

  private static TopicPartition createPositionTopic(String prefix) throws Exception {
    String name = prefix + KafkaRelay.POSITION_TOPIC;
    broker.admin().createTopics(
            List.of(new NewTopic(name, Optional.of(1), Optional.of((short) 1)).configs(Map.of("cleanup.policy", "compact"))))
        .all().get(30, TimeUnit.SECONDS);
    TopicPartition tp = new TopicPartition(name, 0);
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> stable(tp));
    return tp;
  }

  private static SimpleRecord[] records(String topic, List<RecordedEvent> events, long timestamp) {
    List<SimpleRecord> result = new ArrayList<>();
    for (RecordedEvent e : events) {
      ProducerRecord<String, byte[]> r = CairnRecords.toRecord(topic, e, "cairn://test");
      result.add(new SimpleRecord(
          timestamp, r.key().getBytes(StandardCharsets.UTF_8), r.value(), r.headers().toArray()));
    }
    return result.toArray(new SimpleRecord[0]);
  }

  private static SimpleRecord positionRecord(KafkaRelay relay, GlobalPosition position, long timestamp) {
    return new SimpleRecord(
        timestamp, relay.transactionalId().getBytes(StandardCharsets.UTF_8),
        position.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Appends the marker that ends the transaction on one partition, with the bumped epoch of transaction version 2. */
  private static void appendMarker(TopicPartition tp, long producerId, long timestamp, ControlRecordType type) {
    broker.partition(tp).appendRecordsToLeader(
        MemoryRecords.withEndTransactionMarker(0L, timestamp, 0, producerId, (short) 1, new EndTransactionMarker(type, 0)),
        AppendOrigin.COORDINATOR, -1, RequestLocal.noCaching(), VerificationGuard.SENTINEL, (short) 2);
  }

  private static boolean stable(TopicPartition tp) throws Exception {
    return broker.offset(tp, IsolationLevel.READ_COMMITTED) == broker.offset(tp, IsolationLevel.READ_UNCOMMITTED);
  }
}
