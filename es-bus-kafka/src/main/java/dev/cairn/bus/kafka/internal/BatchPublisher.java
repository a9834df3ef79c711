package dev.cairn.bus.kafka.internal;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Reads a batch of the store's global order and publishes it, together with the position of its
 * last event, in one Kafka transaction: consumers and the relay's own restart see both or neither.
 */
final class BatchPublisher {

  private final RelaySettings settings;
  private final TopicAdmin admin;
  private final RelayProducer producer;
  private final HangingCheck hanging;

  BatchPublisher(
      RelaySettings settings, TopicAdmin admin, RelayProducer producer, HangingCheck hanging) {
    this.settings = settings;
    this.admin = admin;
    this.producer = producer;
    this.hanging = hanging;
  }

  /** Reads the next batch after a position; empty if there is nothing new. */
  List<RecordedEvent> read(GlobalPosition after) {
    return settings.store().readGlobal(after, settings.batchSize());
  }

  /**
   * What publishing one batch did, for the relay's position and its metrics; the caller records
   * the metrics after it moved its position, so a gauge never lags the counters.
   *
   * @param last the position of the batch's last event, now committed in the position topic
   * @param size the batch's events
   * @param startNanos when publishing began ({@link System#nanoTime()})
   * @param appendedAt when the batch's first event was appended
   * @param readAtMs when the relay had read the batch, ms since the epoch
   */
  record Published(GlobalPosition last, int size, long startNanos, Instant appendedAt, long readAtMs) {}

  /** Publishes a non-empty batch in one transaction, creating the topics it needs first. */
  Published publish(List<RecordedEvent> batch) {
    long start = System.nanoTime();
    Instant appendedAt = batch.get(0).recordedAt();
    long readAt = System.currentTimeMillis();
    Set<String> topics = new LinkedHashSet<>();
    for (RecordedEvent e : batch) {
      topics.add(settings.router().topicFor(e));
    }
    for (String topic : topics) {
      admin.ensure(topic, settings.partitions(), settings.replication(), settings.eventTopicConfig());
      hanging.own(topic);
    }
    GlobalPosition last = batch.get(batch.size() - 1).position();
    producer.begin();
    for (RecordedEvent e : batch) {
      producer.send(CairnRecords.toRecord(settings.router().topicFor(e), e, settings.source()));
    }
    producer.send(
        new ProducerRecord<>(
            settings.positionTopic(), settings.transactionalId(), last.toString().getBytes(StandardCharsets.UTF_8)));
    settings.afterSends().run();
    producer.commit();
    settings.afterKafkaCommit().run();
    return new Published(last, batch.size(), start, appendedAt, readAt);
  }
}
