package dev.cairn.projections.internal;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a Kafka runner starts reading a partition it takes over from a store-fed runner's
 * checkpoint: at the first record stamped at or after an instant a margin before the checkpoint's
 * event was recorded ({@code offsetsForTimes}), not at offset 0; the records it reads there at or
 * before the checkpoint are skipped by their global position. A partition with no record since
 * then starts at its end; if Kafka does not answer, at its beginning.
 */
final class HandoverSeek {

  private static final Logger LOG = LoggerFactory.getLogger(HandoverSeek.class);

  private HandoverSeek() {}

  /** Returns the offset to start at, per partition, from the instant to look from. */
  static Map<TopicPartition, Long> offsets(Consumer<String, byte[]> consumer, Map<TopicPartition, Instant> from) {
    Map<TopicPartition, Long> result = new HashMap<>();
    if (from.isEmpty()) {
      return result;
    }
    Map<TopicPartition, Long> times = new HashMap<>();
    from.forEach((tp, at) -> times.put(tp, Math.max(0, at.toEpochMilli())));
    try {
      Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(times);
      for (TopicPartition tp : from.keySet()) {
        OffsetAndTimestamp o = found.get(tp);
        if (o != null) {
          result.put(tp, o.offset());
        } else {
          result.putAll(consumer.endOffsets(List.of(tp)));
        }
      }
      return result;
    } catch (RuntimeException e) {
      // Thrown out of the rebalance callback, this would leave the partitions without a position.
      // Reading from the beginning is slower but as exact: what the checkpoint covers is skipped.
      LOG.warn("could not find the offsets of {} at {}; reading them from the beginning", from.keySet(), from, e);
      from.keySet().forEach(tp -> result.put(tp, -1L));
      return result;
    }
  }
}
