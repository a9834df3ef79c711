package dev.cairn.bus.kafka;

import static dev.cairn.bus.kafka.RelayTestSupport.appendRounds;
import static dev.cairn.bus.kafka.RelayTestSupport.assertExactlyOnceInOrder;
import static dev.cairn.bus.kafka.RelayTestSupport.header;
import static dev.cairn.bus.kafka.RelayTestSupport.migratedStore;
import static dev.cairn.bus.kafka.RelayTestSupport.readAll;
import static dev.cairn.bus.kafka.RelayTestSupport.readTopics;
import static dev.cairn.bus.kafka.RelayTestSupport.relayBuilder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.RelayStatus.State;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The relay reads (and builds the records of) the next batch while a batch's transaction commits.
 * A prefetched batch must be published only if the transaction before it committed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RelayPrefetchTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  private static final int BATCH = 40;

  @Test
  void transactionAborted_whileTheNextBatchWasPrefetched_neitherSkipsNorDuplicates() throws Exception {
    JdbcEventStore store = migratedStore(pg.dataSource(), "prefetch_abort");
    String prefix = kafka.name("prefetch-abort.");
    String id = kafka.name("prefetch-abort-relay");
    appendRounds(store, "p-", 50, 4);
    CountDownLatch prefetched = new CountDownLatch(1);
    AtomicInteger sends = new AtomicInteger();
    AtomicInteger prefetchReads = new AtomicInteger();
    AtomicReference<Throwable> hookFailure = new AtomicReference<>();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (KafkaRelay relay =
        relayBuilder(store, kafka.bootstrapServers(), prefix)
            .transactionalId(id)
            .partitions(4)
            .batchSize(BATCH)
            .pollInterval(Duration.ofMillis(200))
            .maxBackoff(Duration.ofSeconds(1))
            .meterRegistry(meters)
            .readAhead(true)
            .afterPrefetch(() -> {
              prefetchReads.incrementAndGet();
              prefetched.countDown();
            })
            .afterSends(() -> {
              if (sends.incrementAndGet() != 2) {
                return;
              }
              // Batch 2 (events 41-80) is sent, its commit not begun; batch 3 (81-120) is being
              // read after it. Once read, a producer with the relay's transactional id fences the
              // relay: the broker aborts batch 2's transaction and the commit fails.
              try {
                assertThat(prefetched.await(30, TimeUnit.SECONDS)).as("batch 3 prefetched").isTrue();
                fence(id);
              } catch (Throwable t) {
                hookFailure.set(t);
              }
            })
            .build()
            .start()) {
      await("the relay is fenced, takes its lock again and reaches the head")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> relay.status().state() == State.ACTIVE && relay.status().position().equals(store.headPosition())
              && sends.get() > 2);
      assertThat(hookFailure.get()).isNull();
      assertThat(prefetchReads.get()).as("reads made while a commit ran").isPositive();
      // Batches 1, 3 (again from event 41 after the fence), ...: 200 events, each published once.
      assertThat(meters.get("cairn.relay.events.published").counter().count()).isEqualTo(200);
    }
    List<RecordedEvent> stored = readAll(store);
    List<ConsumerRecord<String, byte[]>> records = readTopics(kafka.bootstrapServers(), List.of(prefix + "account"));
    assertExactlyOnceInOrder(records, stored);
    // And in the store's global order: sorted by position, the records are the global order.
    List<String> byPosition = new ArrayList<>(
        records.stream()
            .sorted(Comparator.comparing(r -> dev.cairn.api.GlobalPosition.parse(header(r, CairnRecords.POSITION))))
            .map(r -> header(r, CairnRecords.CE_ID))
            .toList());
    assertThat(byPosition).isEqualTo(stored.stream().map(e -> e.eventId().toString()).toList());
  }

  /** Starts a producer with the relay's transactional id: the broker fences the relay's producer. */
  private static void fence(String transactionalId) {
    try (KafkaProducer<String, byte[]> fencer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId),
            new StringSerializer(), new ByteArraySerializer())) {
      fencer.initTransactions();
    }
  }
}
