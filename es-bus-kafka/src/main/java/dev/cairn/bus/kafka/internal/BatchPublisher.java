package dev.cairn.bus.kafka.internal;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;

/**
 * Reads a batch of the store's global order and publishes it, together with the position of its
 * last event, in one Kafka transaction: consumers and the relay's own restart see both or neither.
 */
final class BatchPublisher {

  private final RelaySettings settings;
  private final TopicAdmin admin;
  private final RelayProducer producer;
  private final HangingCheck hanging;
  private final RelayTracing tracing;
  /** Event topics whose max.message.bytes was found large enough. */
  private final Set<String> checkedTopics = new HashSet<>();

  BatchPublisher(
      RelaySettings settings, TopicAdmin admin, RelayProducer producer, HangingCheck hanging) {
    this.settings = settings;
    this.admin = admin;
    this.producer = producer;
    this.hanging = hanging;
    this.tracing = new RelayTracing(settings.openTelemetry(), settings.transactionalId());
  }

  /** Reads the next batch after a position; empty if there is nothing new. */
  List<RecordedEvent> read(GlobalPosition after) {
    return read(after, settings.batchSize());
  }

  /** Reads up to {@code max} events after a position, in the global order. */
  List<RecordedEvent> read(GlobalPosition after, int max) {
    return settings.store().readGlobal(after, max);
  }

  /** Reads the next batch after a position and builds its records. */
  Prepared readPrepared(GlobalPosition after) {
    List<RecordedEvent> events = read(after);
    long readAt = System.currentTimeMillis();
    return prepare(events, readAt);
  }

  /**
   * Builds the records of a batch (CPU only: no Kafka, no database), so that it can be done while
   * the previous batch's transaction commits.
   *
   * @param events the batch, in the global order
   * @param readAtMs when the batch's first event was read, ms since the epoch
   */
  Prepared prepare(List<RecordedEvent> events, long readAtMs) {
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>(events.size());
    for (RecordedEvent e : events) {
      records.add(CairnRecords.toRecord(settings.router().topicFor(e), e, settings.source()));
    }
    return new Prepared(List.copyOf(events), List.copyOf(records), readAtMs);
  }

  /**
   * A batch read from the store with its records built, ready to send.
   *
   * @param events the batch's events, in the global order
   * @param records one record per event, in the same order
   * @param readAtMs when the batch's first event was read, ms since the epoch
   */
  record Prepared(List<RecordedEvent> events, List<ProducerRecord<String, byte[]>> records, long readAtMs) {
    boolean isEmpty() {
      return events.isEmpty();
    }

    int size() {
      return events.size();
    }

    /** The position of the batch's last event; the batch must not be empty. */
    GlobalPosition last() {
      return events.get(events.size() - 1).position();
    }
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

  /**
   * Publishes a non-empty batch in one transaction, creating the topics it needs first and
   * checking that they take the store's largest event.
   *
   * @param batch the batch, its records built
   * @param beforeCommit run after the batch and the position are sent and before the commit
   *     (and the test hook before it): the relay starts reading the next batch there, so that it is ready when the
   *     commit returns
   * @throws RelayCheckException if a topic's max.message.bytes is too small
   * @throws RecordRejectedException naming the event if Kafka refused one of its records
   */
  Published publish(Prepared batch, Runnable beforeCommit) {
    long start = System.nanoTime();
    Instant appendedAt = batch.events().get(0).recordedAt();
    Set<String> topics = new LinkedHashSet<>();
    for (ProducerRecord<String, byte[]> r : batch.records()) {
      topics.add(r.topic());
    }
    for (String topic : topics) {
      admin.ensure(topic, settings.partitions(), settings.replication(), settings.eventTopicConfig());
      if (!checkedTopics.contains(topic)) {
        RecordLimits.checkTopic(topic, admin.configs(topic), settings.store().maxEventBytes(), settings.producerSettings());
        checkedTopics.add(topic);
      }
      hanging.own(topic);
    }
    GlobalPosition last = batch.last();
    AtomicReference<RecordRejectedException> rejected = new AtomicReference<>();
    try (RelayTracing.Batch trace = tracing.batch(batch.size(), topics, last.toString())) {
      try {
        send(batch, last, rejected, trace, beforeCommit);
      } catch (RuntimeException e) {
        trace.failed(e);
        throw e;
      }
    }
    settings.afterKafkaCommit().run();
    return new Published(last, batch.size(), start, appendedAt, batch.readAtMs());
  }

  private void send(
      Prepared batch, GlobalPosition last, AtomicReference<RecordRejectedException> rejected, RelayTracing.Batch trace,
      Runnable beforeCommit) {
    producer.begin();
    try {
      for (int i = 0; i < batch.size(); i++) {
        RecordedEvent e = batch.events().get(i);
        ProducerRecord<String, byte[]> record = batch.records().get(i);
        trace.record(record, e);
        producer.send(record, (metadata, error) -> {
          if (error != null && isRejection(error)) {
            rejected.compareAndSet(null, new RecordRejectedException(describe(record, e, error), error));
          }
        });
      }
      producer.send(
          new ProducerRecord<>(
              settings.positionTopic(), settings.transactionalId(), last.toString().getBytes(StandardCharsets.UTF_8)));
      beforeCommit.run();
      settings.afterSends().run();
      producer.commit();
    } catch (RuntimeException e) {
      // The transaction failed because of one record: name it rather than the transaction.
      RecordRejectedException rejection = rejected.get();
      if (rejection != null) {
        rejection.addSuppressed(e);
        throw rejection;
      }
      throw e;
    }
  }

  /** Whether Kafka refused a record for good: sending it again cannot succeed. */
  static boolean isRejection(Throwable error) {
    return error instanceof RecordTooLargeException
        || error instanceof RecordBatchTooLargeException
        || error instanceof InvalidRecordException;
  }

  private static String describe(ProducerRecord<String, byte[]> record, RecordedEvent e, Throwable error) {
    long headerBytes = 0;
    for (Header h : record.headers()) {
      headerBytes += h.key().length() + (h.value() == null ? 0 : h.value().length);
    }
    long keyBytes = record.key() == null ? 0 : record.key().getBytes(StandardCharsets.UTF_8).length;
    return "Kafka rejected the record of event " + e.eventType() + " of stream " + e.streamId() + " version "
        + e.version() + " at position " + e.position() + " for topic " + record.topic() + " (value "
        + record.value().length + " bytes, key and headers " + (keyBytes + headerBytes) + " bytes): "
        + error.getClass().getSimpleName() + ": " + error.getMessage();
  }
}
