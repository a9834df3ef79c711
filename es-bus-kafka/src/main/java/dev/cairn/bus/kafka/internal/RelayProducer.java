package dev.cairn.bus.kafka.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.bus.kafka.KafkaRelay;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's transactional producer and whether a transaction of it is open. A producer whose
 * state is in doubt is never reused: it is discarded and a new one opened, whose {@code
 * initTransactions} fences the old one and completes or aborts what it left open.
 */
final class RelayProducer {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaRelay.class);

  private final Map<String, Object> settings;
  private final String transactionalId;
  /** The open producer; null before the first open and once closed or discarded. */
  private @Nullable KafkaProducer<String, byte[]> producer;
  private boolean inTransaction;

  RelayProducer(Map<String, Object> settings, String transactionalId) {
    this.settings = settings;
    this.transactionalId = transactionalId;
  }

  boolean isOpen() {
    return producer != null;
  }

  /** Whether a transaction was begun and neither committed nor aborted: its outcome is unknown. */
  boolean inTransaction() {
    return inTransaction;
  }

  /** Opens a new producer; fences any older producer with this id and ends its open transaction. */
  void open() {
    producer = new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer());
    inTransaction = false;
    producer.initTransactions();
  }

  void begin() {
    openProducer().beginTransaction();
    inTransaction = true;
  }

  void send(ProducerRecord<String, byte[]> record) {
    openProducer().send(record);
  }

  /** Sends a record; the callback runs on the producer's thread when Kafka acknowledged or refused it. */
  void send(ProducerRecord<String, byte[]> record, Callback callback) {
    openProducer().send(record, callback);
  }

  void commit() {
    openProducer().commitTransaction();
    inTransaction = false;
  }

  /** Closes the producer gracefully: an open transaction is aborted. */
  void close() {
    if (producer == null) {
      return;
    }
    try {
      if (inTransaction) {
        producer.abortTransaction();
      }
    } catch (RuntimeException e) {
      LOG.debug("relay {}: aborting the open transaction on stop failed", transactionalId, e);
    }
    discard();
  }

  /** Closes the producer without waiting; whatever it had open is left to the next producer. */
  void discard() {
    KafkaProducer<String, byte[]> p = producer;
    producer = null;
    inTransaction = false;
    if (p != null) {
      try {
        p.close(Duration.ZERO);
      } catch (RuntimeException e) {
        LOG.debug("relay {}: closing the producer failed", transactionalId, e);
      }
    }
  }

  /** The open producer: the relay opens it (resuming) before it publishes, on the same thread. */
  private KafkaProducer<String, byte[]> openProducer() {
    return requireNonNull(producer, "producer not open");
  }

  /** Whether a failure means another producer with the same transactional id took over. */
  static boolean isFenced(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException) {
        return true;
      }
    }
    return false;
  }
}
