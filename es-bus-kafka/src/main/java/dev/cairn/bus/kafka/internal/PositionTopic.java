package dev.cairn.bus.kafka.internal;

import dev.cairn.api.GlobalPosition;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * Reads the position a relay last committed to its compacted position topic, as Kafka Connect's
 * exactly-once source connectors read their offsets (KIP-618).
 */
public final class PositionTopic {

  private PositionTopic() {}

  /**
   * Thrown when the position topic is readable but a transaction left open on it keeps its last
   * stable offset below the end offset the read must reach: a transaction still running, or one
   * that hangs.
   */
  public static final class NotStableException extends TimeoutException {
    private static final long serialVersionUID = 1L;

    /** The last position readable below the open transaction, if any; text, to stay serializable. */
    private final @Nullable String readUpTo;

    NotStableException(String message, @Nullable String readUpTo) {
      super(message);
      this.readUpTo = readUpTo;
    }

    /**
     * Returns the last position committed below the open transaction: where the relay stood
     * before the transaction in the way, if that transaction is its own.
     *
     * @return that position, or empty if none was readable
     */
    public Optional<GlobalPosition> readUpTo() {
      try {
        return readUpTo == null ? Optional.empty() : Optional.of(GlobalPosition.parse(readUpTo));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
  }

  /**
   * Reads the position topic with a {@code read_committed} consumer up to the end offsets that
   * the admin client lists (the high watermarks, so every transaction open at that moment must
   * have ended before the read completes, whoever wrote it) and returns the last value under a
   * key.
   *
   * @param consumerSettings a {@code read_committed} consumer's settings
   * @param admin the admin client, for the end offsets
   * @param topic the position topic
   * @param key the relay's transactional id
   * @param timeout how long the read may take
   * @return the last committed position, or empty if none was ever committed
   * @throws NotStableException if an open transaction keeps the read from reaching the end
   *     offsets in time
   * @throws KafkaException if the topic cannot be read in time, or holds an unreadable position
   */
  public static Optional<GlobalPosition> readLast(
      Map<String, Object> consumerSettings, TopicAdmin admin, String topic, String key, Duration timeout) {
    Map<TopicPartition, Long> end = admin.endOffsets(topic);
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = null;
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(consumerSettings, new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(end.keySet());
      consumer.seekToBeginning(end.keySet());
      while (!reached(consumer, end)) {
        if (System.nanoTime() > deadline) {
          Map<TopicPartition, Long> positions = new HashMap<>();
          end.keySet().forEach(tp -> positions.put(tp, consumer.position(tp)));
          throw new NotStableException(
              "reading position topic " + topic + " up to its end offsets " + end + " took longer than "
                  + timeout + "; read up to " + positions + ", last stable offsets "
                  + consumer.endOffsets(end.keySet()) + " (a transaction of another producer is open)",
              last);
        }
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
          if (key.equals(r.key())) {
            last = r.value();
          }
        }
      }
    }
    if (last == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(GlobalPosition.parse(last));
    } catch (IllegalArgumentException e) {
      throw new KafkaException("position topic " + topic + " holds an unreadable position for " + key + ": " + last, e);
    }
  }

  private static boolean reached(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey(), Duration.ofSeconds(10)) < e.getValue()) {
        return false;
      }
    }
    return true;
  }
}
