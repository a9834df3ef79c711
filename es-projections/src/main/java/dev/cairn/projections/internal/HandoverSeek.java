package dev.cairn.projections.internal;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a Kafka runner starts reading a partition it takes over from a store-fed runner's
 * checkpoint: at the first record stamped at or after an instant a margin before the checkpoint's
 * event was recorded ({@code offsetsForTimes}), not at offset 0; the records it reads there at or
 * before the checkpoint are skipped by their global position. A partition with no record since
 * then starts at its end.
 */
final class HandoverSeek {

  private HandoverSeek() {}

  /** Returns the offset to start at, per partition, from the instant to look from. */
  static Map<TopicPartition, Long> offsets(Consumer<String, byte[]> consumer, Map<TopicPartition, Instant> from) {
    Map<TopicPartition, Long> result = new HashMap<>();
    if (from.isEmpty()) {
      return result;
    }
    Map<TopicPartition, Long> times = new HashMap<>();
    from.forEach((tp, at) -> times.put(tp, Math.max(0, at.toEpochMilli())));
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
  }
}
