package dev.cairn.bus.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import dev.cairn.store.jdbc.JdbcEventStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Helpers shared by the relay's tests: stores, appends, and reading topics back. */
final class RelayTestSupport {

  /** Thrown by a test hook to stop a relay's thread abruptly, as a crash would. */
  static final class SimulatedCrash extends Error {
    private static final long serialVersionUID = 1L;

    SimulatedCrash(String message) {
      super(message);
    }
  }

  static final String STREAM_TYPE = "account";

  private RelayTestSupport() {}

  /**
   * A relay builder on a test broker: topics under {@code prefix}, one replica. A test sets on top
   * what it is about (a later {@code kafkaSettings} adds to the bootstrap servers set here); the
   * transactional id and the meter registry are the relay's defaults ({@code cairn-relay-<schema>},
   * the store's registry) unless it sets them.
   */
  static KafkaRelayBuilder relayBuilder(JdbcEventStore store, String bootstrap, String prefix) {
    return KafkaRelay.builder(store)
        .kafkaSettings(Map.of("bootstrap.servers", bootstrap))
        .topicPrefix(prefix)
        .replicationFactor(1);
  }

  static JdbcEventStore migratedStore(DataSource ds, String schema) {
    JdbcEventStore store =
        JdbcEventStore.builder(ds).schema(schema).meterRegistry(new SimpleMeterRegistry()).build();
    store.migrate();
    return store;
  }

  static AppendRequest request(String stream, long expected, int count) {
    List<NewEvent> events =
        IntStream.range(0, count)
            .mapToObj(
                i ->
                    new NewEvent(
                        UUID.randomUUID(), "Deposited", 1,
                        "{\"amount\":" + (expected + i + 1) + "}", EventMetadata.EMPTY))
            .toList();
    return new AppendRequest(stream, STREAM_TYPE, expected, events);
  }

  /** Appends {@code perStream} events, one append each, to each of {@code streams} streams. */
  static void appendRounds(JdbcEventStore store, String streamPrefix, int streams, int perStream) {
    for (int v = 0; v < perStream; v++) {
      for (int s = 0; s < streams; s++) {
        store.append(request(streamPrefix + s, v, 1));
      }
    }
  }

  /** Reads the whole global order from the start. */
  static List<RecordedEvent> readAll(JdbcEventStore store) {
    List<RecordedEvent> all = new ArrayList<>();
    GlobalPosition at = GlobalPosition.START;
    while (true) {
      List<RecordedEvent> page = store.readGlobal(at, 1000);
      if (page.isEmpty()) {
        return all;
      }
      all.addAll(page);
      at = page.get(page.size() - 1).position();
    }
  }

  /**
   * Reads every committed record of some topics with a {@code read_committed} consumer, up to
   * the end offsets it sees (the last stable offsets), in offset order per partition.
   */
  static List<ConsumerRecord<String, byte[]>> readTopics(String bootstrap, Collection<String> topics) {
    return readTopics(bootstrap, topics, true);
  }

  /**
   * Reads what {@code read_committed} shows now, while a transaction is known to stay open (a
   * crashed relay's), instead of waiting for every transaction to settle.
   */
  static List<ConsumerRecord<String, byte[]>> readTopicsPastOpenTransaction(String bootstrap, Collection<String> topics) {
    return readTopics(bootstrap, topics, false);
  }

  private static List<ConsumerRecord<String, byte[]>> readTopics(
      String bootstrap, Collection<String> topics, boolean awaitSettled) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topics) {
        for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
          partitions.add(new TopicPartition(topic, p.partition()));
        }
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end =
          awaitSettled
              ? settledEndOffsets(bootstrap, consumer, partitions)
              : consumer.endOffsets(partitions, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        assertThat(System.nanoTime()).as("reading %s to %s in time", topics, end).isLessThan(deadline);
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  /**
   * The end offsets once no transaction is open on the partitions. A coordinator writes its
   * commit markers after {@code commitTransaction} returns, so right after a relay stops, the
   * last stable offset can still trail the high watermark for a moment.
   */
  private static Map<TopicPartition, Long> settledEndOffsets(
      String bootstrap, KafkaConsumer<String, byte[]> committedReader, List<TopicPartition> partitions) {
    Map<TopicPartition, Long> highWatermarks;
    try (KafkaConsumer<String, byte[]> uncommittedReader =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"),
            new StringDeserializer(), new ByteArrayDeserializer())) {
      highWatermarks = uncommittedReader.endOffsets(partitions, Duration.ofSeconds(30));
    }
    return await("transactions on " + partitions + " settled at " + highWatermarks)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .pollInSameThread()
        .until(() -> committedReader.endOffsets(partitions, Duration.ofSeconds(30)), highWatermarks::equals);
  }

  static String header(ConsumerRecord<String, byte[]> r, String key) {
    Header h = r.headers().lastHeader(key);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  /**
   * Checks that the records hold every store event exactly once and, per key, versions 1..n in
   * offset order.
   */
  static void assertExactlyOnceInOrder(List<ConsumerRecord<String, byte[]>> records, List<RecordedEvent> stored) {
    List<String> published = records.stream().map(r -> header(r, CairnRecords.CE_ID)).sorted().toList();
    List<String> expected = stored.stream().map(e -> e.eventId().toString()).sorted().toList();
    assertThat(published).as("event ids published (a multiset)").isEqualTo(expected);
    Map<String, List<Long>> versionsByKey = new LinkedHashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      versionsByKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(Long.parseLong(header(r, CairnRecords.VERSION)));
    }
    versionsByKey.forEach(
        (key, versions) ->
            assertThat(versions)
                .as("versions of %s in offset order", key)
                .isEqualTo(java.util.stream.LongStream.rangeClosed(1, versions.size()).boxed().toList()));
  }
}
