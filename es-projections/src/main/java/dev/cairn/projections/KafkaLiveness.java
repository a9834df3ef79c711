package dev.cairn.projections;

import dev.cairn.api.Health.Status;
import dev.cairn.bus.kafka.CairnRecords;
import dev.cairn.projections.internal.PartitionOwnership;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka runner's view of its own liveness: the append times of the oldest unapplied record
 * per partition, the lag of partitions it could not claim, and whether it waits for partitions
 * while records wait for any member. Runs on the runner's thread; the lists it reports are
 * read by any.
 */
final class KafkaLiveness {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaLiveness.class);
  private static final Duration BROKER_WAIT = Duration.ofSeconds(1);
  private static final String APPLIED =
      "SELECT topic, partition, next_offset FROM %s WHERE name = :name AND version = :version";

  private final AbstractRunner runner;
  private final List<String> topics;
  private volatile @Nullable Instant waitingSince;
  private volatile List<String> unclaimedNames = List.of();
  private long lastAssignmentCheck;
  private long lastUnclaimedLag;
  private long lastProgress = -1;

  KafkaLiveness(AbstractRunner runner, List<String> topics) {
    this.runner = runner;
    this.topics = topics;
  }

  /** Reports the partitions assigned but not claimed, as a cause and in the status. */
  void unclaimed(PartitionOwnership ownership) {
    Map<TopicPartition, Instant> unclaimed = ownership.unclaimed();
    unclaimedNames = unclaimed.keySet().stream().map(TopicPartition::toString).sorted().toList();
    Instant since = unclaimed.values().stream().min(Comparator.naturalOrder()).orElse(null);
    List<String> names = unclaimedNames;
    runner.liveness.set(
        !unclaimed.isEmpty(),
        RunnerLiveness.UNCLAIMED,
        Status.DOWN,
        () ->
            "assigned " + names + " but could not claim them in the database since " + since + ": "
                + ownership.claimError() + "; their records wait unread");
  }

  /** Records the first polled record of each held partition: its oldest unapplied one. */
  void polled(List<ConsumerRecord<String, byte[]>> batch, PartitionOwnership ownership) {
    Set<TopicPartition> seen = new HashSet<>();
    for (ConsumerRecord<String, byte[]> r : batch) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      if (ownership.owns(tp) && seen.add(tp)) {
        runner.liveness.oldestUnapplied(tp.toString(), appendedAt(r));
      }
    }
  }

  /**
   * Records what a batch committed: a partition with records left (an event to retry) waits on
   * its first one; a partition done is at most as old as its last record until its lag says more.
   */
  void committed(List<ConsumerRecord<String, byte[]>> batch, int retryFrom, PartitionOwnership ownership) {
    Map<TopicPartition, ConsumerRecord<String, byte[]>> next = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : batch.subList(0, retryFrom)) {
      next.put(new TopicPartition(r.topic(), r.partition()), r);
    }
    Set<TopicPartition> left = new HashSet<>();
    for (ConsumerRecord<String, byte[]> r : batch.subList(retryFrom, batch.size())) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      if (left.add(tp)) {
        next.put(tp, r);
      }
    }
    next.forEach(
        (tp, r) -> {
          if (ownership.owns(tp)) {
            runner.liveness.oldestUnapplied(tp.toString(), appendedAt(r));
          }
        });
  }

  /**
   * Measures the lag of every assigned partition.
   *
   * @return true if the runner holds partitions and has applied all their records
   */
  boolean measureLag(Consumer<String, byte[]> consumer, PartitionOwnership ownership) {
    boolean all = !consumer.assignment().isEmpty();
    // An unclaimed partition's position says nothing: its lag is measured against the group's
    // committed offset, and it keeps the runner from being caught up.
    all &= measureUnclaimedLag(consumer, ownership);
    Set<TopicPartition> unclaimed = ownership.unclaimed().keySet();
    for (TopicPartition tp : consumer.assignment()) {
      if (unclaimed.contains(tp)) {
        continue;
      }
      var l = consumer.currentLag(tp);
      if (l.isPresent()) {
        runner.lag(tp.toString(), l.getAsLong());
        all &= l.getAsLong() == 0;
      } else {
        all = false;
      }
    }
    return all;
  }

  /**
   * Measures, at most once a second, the lag of unclaimed partitions against the group's committed
   * offsets (their positions mean nothing).
   *
   * @return true if no partition is unclaimed
   */
  private boolean measureUnclaimedLag(Consumer<String, byte[]> consumer, PartitionOwnership ownership) {
    Set<TopicPartition> unclaimed = ownership.unclaimed().keySet();
    if (unclaimed.isEmpty()) {
      return true;
    }
    long now = System.nanoTime();
    if (now - lastUnclaimedLag >= 1_000_000_000L) {
      lastUnclaimedLag = now;
      try {
        // The database may be what failed the claim: the group's committed offsets stand in.
        Map<TopicPartition, Long> committed = new HashMap<>();
        consumer.committed(unclaimed, BROKER_WAIT).forEach((tp, o) -> {
          if (o != null) {
            committed.put(tp, o.offset());
          }
        });
        waitingRecords(consumer, unclaimed, committed, (tp, lag) -> runner.lag(tp.toString(), lag));
      } catch (RuntimeException e) {
        LOG.debug("could not measure the lag of {}", unclaimed, e);
      }
    }
    return false;
  }

  /**
   * Notes since when the runner holds no partition and, every two seconds while it holds none,
   * raises a cause if records wait that no member applies (the group's committed offsets did not
   * move since the last look), as when a crashed member still holds them.
   */
  void checkAssignment(Consumer<String, byte[]> consumer) {
    if (!consumer.assignment().isEmpty()) {
      waitingSince = null;
      lastProgress = -1;
      runner.liveness.set(false, RunnerLiveness.NO_PARTITIONS, Status.DOWN, () -> "");
      return;
    }
    if (waitingSince == null) {
      waitingSince = Instant.now();
    }
    long now = System.nanoTime();
    if (now - lastAssignmentCheck < 2_000_000_000L) {
      return;
    }
    lastAssignmentCheck = now;
    try {
      Set<TopicPartition> all = new HashSet<>();
      for (String topic : topics) {
        consumer.partitionsFor(topic, BROKER_WAIT).forEach(p -> all.add(new TopicPartition(p.topic(), p.partition())));
      }
      long[] totals = new long[1];
      // The group's committed offsets cannot be read while it rebalances: the offsets table can.
      Map<TopicPartition, Long> applied = appliedOffsets();
      long progress = waitingRecords(consumer, all, applied, (tp, lag) -> totals[0] += lag);
      boolean stalled = totals[0] > 0 && progress == lastProgress;
      lastProgress = progress;
      Instant since = waitingSince;
      runner.liveness.set(
          stalled,
          RunnerLiveness.NO_PARTITIONS,
          Status.DOWN,
          () ->
              "holds no partition of " + topics + " since " + since + " while about " + totals[0]
                  + " records wait and no member applies them");
    } catch (RuntimeException e) {
      LOG.debug("could not look at the records of {}", topics, e);
    }
  }

  /** Reads the next offset of every partition of this version that a runner has applied from. */
  private Map<TopicPartition, Long> appliedOffsets() {
    return runner.manager.jdbi()
        .withHandle(
            h ->
                h.createQuery(APPLIED.formatted(runner.manager.sql().offsets))
                    .bind("name", runner.spec.name())
                    .bind("version", runner.spec.version())
                    .reduceRows(
                        new HashMap<TopicPartition, Long>(),
                        (m, row) -> {
                          long next = row.getColumn(3, Long.class);
                          if (next >= 0) {
                            m.put(new TopicPartition(row.getColumn(1, String.class), row.getColumn(2, Integer.class)), next);
                          }
                          return m;
                        }));
  }

  /**
   * Reports the records of partitions past the offsets applied (their beginning when none). A
   * committed Kafka transaction ends with a marker that the offset applied (last record + 1) stops
   * short of, so a gap of one counts as none.
   *
   * @return the sum of the offsets applied, to tell progress
   */
  private static long waitingRecords(
      Consumer<String, byte[]> consumer, Set<TopicPartition> partitions, Map<TopicPartition, Long> applied,
      java.util.function.ObjLongConsumer<TopicPartition> out) {
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, BROKER_WAIT);
    Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, BROKER_WAIT);
    long progress = 0;
    for (TopicPartition tp : partitions) {
      Long done = applied.get(tp);
      long base = done != null ? done : begin.getOrDefault(tp, 0L);
      long gap = end.getOrDefault(tp, base) - base;
      out.accept(tp, gap > 1 ? gap - 1 : 0);
      progress += base;
    }
    return progress;
  }

  /** Returns the unclaimed partitions, sorted. */
  List<String> unclaimedNames() {
    return unclaimedNames;
  }

  /** Returns since when the runner has held no partition, or null. */
  @Nullable Instant waitingSince() {
    return waitingSince;
  }

  /** The event's append time from its {@code ce_time} header, else the record's timestamp. */
  static Instant appendedAt(ConsumerRecord<String, byte[]> r) {
    Header h = r.headers().lastHeader(CairnRecords.CE_TIME);
    // A header's value may be null (a record not in Cairn's format, parked later in the batch).
    if (h != null && h.value() != null) {
      try {
        return Instant.parse(new String(h.value(), StandardCharsets.UTF_8));
      } catch (DateTimeParseException e) {
        // not Cairn's format: the record's own timestamp stands in
      }
    }
    return Instant.ofEpochMilli(r.timestamp());
  }
}
