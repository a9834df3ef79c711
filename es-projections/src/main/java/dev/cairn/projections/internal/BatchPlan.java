package dev.cairn.projections.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * What a run of polled records commits: each partition's first offset in the run (where to read
 * again if it does not commit), next offset and last position, the events to apply and the records
 * not in Cairn's format (to park as they are). Records of partitions no longer held and events at
 * or before a partition's last position are not applied.
 *
 * @param firstOffsets the first offset of each partition in the run
 * @param nextOffsets the next offset of each partition, in the order first seen
 * @param lastPositions the last position of each partition that has an event to apply
 * @param entries the events to apply, in the run's order
 * @param malformed the records of held partitions that are not in Cairn's format, in the run's order
 */
public record BatchPlan(
    Map<TopicPartition, Long> firstOffsets, Map<TopicPartition, Long> nextOffsets,
    Map<TopicPartition, GlobalPosition> lastPositions, List<Entry> entries, List<Malformed> malformed) {

  /**
   * A record that is not in Cairn's format, and why.
   *
   * @param record the record as read
   * @param error why it could not be read as an event
   */
  public record Malformed(ConsumerRecord<String, byte[]> record, RuntimeException error) {}

  /**
   * An event to apply and the record it came from.
   *
   * @param event the event
   * @param topic the record's topic
   * @param partition the record's partition
   * @param offset the record's offset
   */
  public record Entry(RecordedEvent event, String topic, int partition, long offset) {}

  /**
   * Polls a batch: the first poll waits for work; once the batch has records, later polls only
   * take what has arrived (or linger for more), so a record is never held back for others.
   *
   * @param consumer the consumer
   * @param maxRecords the most records (the batch may end a poll's worth over)
   * @param maxTime the longest time the batch fills
   * @param linger how long a batch that holds records waits for more
   * @param pollTimeout how long the first poll waits
   * @return the records, maybe none
   */
  public static List<ConsumerRecord<String, byte[]>> poll(
      Consumer<String, byte[]> consumer, int maxRecords, Duration maxTime, Duration linger, Duration pollTimeout) {
    List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>();
    long deadline = System.nanoTime() + maxTime.toNanos();
    while (batch.size() < maxRecords) {
      long left = deadline - System.nanoTime();
      Duration wait =
          batch.isEmpty() ? pollTimeout : Duration.ofNanos(Math.max(0, Math.min(left, linger.toNanos())));
      ConsumerRecords<String, byte[]> records = consumer.poll(wait);
      records.forEach(batch::add);
      if (records.isEmpty() || System.nanoTime() >= deadline) {
        break;
      }
    }
    return batch;
  }

  /**
   * Plans a run of records.
   *
   * @param records the records
   * @param ownership the partitions held and their last positions
   * @return the plan
   */
  public static BatchPlan of(List<ConsumerRecord<String, byte[]>> records, PartitionOwnership ownership) {
    Map<TopicPartition, Long> firstOffsets = new HashMap<>();
    Map<TopicPartition, Long> nextOffsets = new LinkedHashMap<>();
    Map<TopicPartition, GlobalPosition> lastPositions = new HashMap<>();
    List<Entry> entries = new ArrayList<>(records.size());
    List<Malformed> malformed = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      PartitionOwnership.Owned o = ownership.get(tp);
      if (o == null) {
        continue; // revoked while the batch filled up
      }
      firstOffsets.putIfAbsent(tp, r.offset());
      nextOffsets.put(tp, r.offset() + 1);
      RecordedEvent e;
      try {
        e = CairnRecords.toRecordedEvent(r);
      } catch (RuntimeException notCairns) {
        malformed.add(new Malformed(r, notCairns));
        continue;
      }
      GlobalPosition last = lastPositions.getOrDefault(tp, o.last());
      if (!e.position().isAfter(last)) {
        continue; // already applied (by a rebuild, or before a replay of this partition)
      }
      lastPositions.put(tp, e.position());
      entries.add(new Entry(e, r.topic(), r.partition(), r.offset()));
    }
    return new BatchPlan(firstOffsets, nextOffsets, lastPositions, entries, malformed);
  }

  /**
   * Returns the offset moves that commit this plan, at the generations the partitions were taken.
   *
   * @param ownership the partitions held
   * @return one move per partition of the plan
   */
  public List<OffsetStore.Move> moves(PartitionOwnership ownership) {
    List<OffsetStore.Move> moves = new ArrayList<>(nextOffsets.size());
    for (Map.Entry<TopicPartition, Long> e : nextOffsets.entrySet()) {
      // The plan holds only partitions held when it was made; only a poll or a resync drops one.
      PartitionOwnership.Owned o = requireNonNull(ownership.get(e.getKey()), "a partition held");
      moves.add(new OffsetStore.Move(e.getKey(), e.getValue(), lastPositions.getOrDefault(e.getKey(), o.last()), o.generation()));
    }
    return moves;
  }

  /**
   * Seeks each partition of the plan that is still held back to its first record in it.
   *
   * @param ownership the partitions held
   */
  public void rewind(PartitionOwnership ownership) {
    firstOffsets.forEach(
        (tp, first) -> {
          if (ownership.owns(tp)) {
            ownership.seek(tp, first);
          }
        });
  }

  /**
   * Returns the index in the batch of the record an entry came from.
   *
   * @param batch the batch
   * @param entry an entry of the plan of the batch
   * @return its record's index
   */
  public static int indexOf(List<ConsumerRecord<String, byte[]>> batch, Entry entry) {
    for (int i = 0; i < batch.size(); i++) {
      ConsumerRecord<String, byte[]> r = batch.get(i);
      if (r.offset() == entry.offset() && r.partition() == entry.partition() && r.topic().equals(entry.topic())) {
        return i;
      }
    }
    throw new IllegalStateException(
        "record " + entry.topic() + "-" + entry.partition() + "@" + entry.offset() + " is not in the batch");
  }

  /**
   * Seeks each held partition of records not committed back to its first of them.
   *
   * @param rest the records not committed, in the batch's order
   * @param ownership the partitions held
   */
  public static void rewindTo(List<ConsumerRecord<String, byte[]>> rest, PartitionOwnership ownership) {
    Set<TopicPartition> rewound = new HashSet<>();
    for (ConsumerRecord<String, byte[]> r : rest) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      if (ownership.owns(tp) && rewound.add(tp)) {
        ownership.seek(tp, r.offset());
      }
    }
  }
}
