package dev.cairn.projections;

import dev.cairn.projections.internal.BatchPlan;
import dev.cairn.projections.internal.OffsetStore;
import dev.cairn.projections.internal.PartitionOwnership;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a polled batch of a {@link KafkaProjectionRunner}: in one database transaction it applies
 * the events, parks the records not in Cairn's format and moves the offsets with a compare-and-set
 * that fails (and rolls the batch back) unless the runner still holds each partition at the
 * generation it took. A batch that stops at an event to
 * retry commits what came before it, rewinds its partitions to that event and backs off. A batch
 * that does not commit is read again. Runs on the runner's thread.
 */
final class KafkaBatchCommit {

  // The runner's logger: the messages are the runner's, and log settings name it.
  private static final Logger LOG = LoggerFactory.getLogger(KafkaProjectionRunner.class);

  private final KafkaProjectionRunner runner;
  private final OffsetStore offsets;
  private final PartitionOwnership ownership;
  private final Consumer<String, byte[]> consumer;
  private final KafkaLiveness kafkaLiveness;
  /**
   * The offsets committed in the database and not yet to Kafka. Kafka's copy is for lag tools only,
   * so it follows at most once per {@link KafkaProjectionRunner#kafkaCommitInterval} while batches
   * keep coming, at once when the runner runs out of records or stops, and before a partition is
   * handed over: one offset commit per batch was one more request and one more write to the
   * broker's offsets log for every batch.
   */
  private final Map<TopicPartition, OffsetAndMetadata> kafkaPending = new HashMap<>();
  private long kafkaCommittedAt = System.nanoTime();
  /** How long, at most, {@link #handOver} waits for Kafka. */
  private static final Duration HAND_OVER_TIMEOUT = Duration.ofSeconds(5);

  KafkaBatchCommit(
      KafkaProjectionRunner runner, OffsetStore offsets, PartitionOwnership ownership, Consumer<String, byte[]> consumer,
      KafkaLiveness kafkaLiveness) {
    this.runner = runner;
    this.offsets = offsets;
    this.ownership = ownership;
    this.consumer = consumer;
    this.kafkaLiveness = kafkaLiveness;
  }

  private static List<BatchApplier.Item> items(BatchPlan plan) {
    return plan.entries().stream().map(e -> new BatchApplier.Item(e.event(), e.topic(), e.partition(), e.offset())).toList();
  }

  /**
   * Commits to Kafka, asynchronously, the offsets the database holds and Kafka does not yet; for
   * lag tools only (the runner reads its offsets from the database).
   */
  void commitToKafka() {
    kafkaCommittedAt = System.nanoTime();
    if (kafkaPending.isEmpty()) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(kafkaPending);
    kafkaPending.clear();
    // A partition revoked since its batch is another member's now: its offset would only lag.
    offsets.keySet().retainAll(consumer.assignment());
    if (offsets.isEmpty()) {
      return;
    }
    ProjectionSpec spec = runner.spec;
    consumer.commitAsync(
        offsets,
        (committed, error) -> {
          if (error != null) {
            LOG.debug("runner {} of {}: informational Kafka commit failed", runner.owner, spec, error);
          }
        });
  }

  /**
   * Commits to Kafka, synchronously, what it lacks of partitions being revoked: the member that
   * takes them over may have nothing to commit for a while, and lag tools would show the old
   * offsets meanwhile. Called from the rebalance callback, before the partitions go; a failure is
   * logged and left (the database holds the offsets that count).
   *
   * @param revoked the partitions being revoked
   */
  void handOver(Collection<TopicPartition> revoked) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : revoked) {
      OffsetAndMetadata o = kafkaPending.remove(tp);
      if (o != null) {
        offsets.put(tp, o);
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    try {
      consumer.commitSync(offsets, HAND_OVER_TIMEOUT);
    } catch (KafkaException e) {
      LOG.debug("runner {} of {}: informational Kafka commit at hand-over failed", runner.owner, runner.spec, e);
    }
  }

  /** What a batch's transaction committed: the plan, the applier's outcome and where to retry from. */
  private record Committed(BatchPlan plan, BatchApplier.Outcome outcome, int retryFrom) {}

  /** Commits a batch, or the part of it before an event to retry, or nothing; see the class. */
  void commit(List<ConsumerRecord<String, byte[]>> batch) {
    commit(batch, false);
  }

  /**
   * Commits a batch: first whole, in a transaction without savepoints; if the batch fails, that
   * transaction rolls back and the same records are applied again at once, event by event, each
   * under its savepoint (two round trips fewer per batch when nothing fails).
   */
  private void commit(List<ConsumerRecord<String, byte[]>> batch, boolean carefully) {
    ProjectionSpec spec = runner.spec;
    BatchPlan full = BatchPlan.of(batch, ownership);
    if (full.nextOffsets().isEmpty()) {
      return;
    }
    // What the transaction commits: the whole batch, or the records before an event to retry.
    Committed done;
    try {
      done =
          runner.manager.jdbi()
              .inTransaction(
                  h -> {
                    // One round trip takes the version's shared lock and tells whether any dead
                    // letter is open (without one, no stream of the batch waits behind one).
                    boolean mayHaveOpenDeadLetters = runner.manager.sql().lockVersionSharedMayHaveOpenDeadLetters(h, spec);
                    // No check that the partitions are still held before applying: the offsets'
                    // compare-and-set below rolls back a batch of partitions lost meanwhile, and
                    // one round trip less per batch shortens poll -> row visible.
                    BatchApplier.Outcome o =
                        runner.applier.apply(
                            h, items(full), mayHaveOpenDeadLetters,
                            carefully ? BatchApplier.Mode.CAREFULLY : BatchApplier.Mode.WHOLE_OR_THROW);
                    BatchPlan committing = full;
                    int retryFrom = batch.size();
                    if (!o.isComplete()) {
                      retryFrom = BatchPlan.indexOf(batch, full.entries().get(o.handled()));
                      committing = BatchPlan.of(batch.subList(0, retryFrom), ownership);
                    }
                    // Records not in Cairn's format are parked as they are; the partition goes on.
                    for (BatchPlan.Malformed m : committing.malformed()) {
                      runner.manager.deadLetters().parkRaw(h, spec, m.record(), m.error());
                    }
                    if (!committing.malformed().isEmpty()) {
                      o = new BatchApplier.Outcome(
                          o.applied(), o.parked() + committing.malformed().size(), o.handled(), o.retryAfter());
                    }
                    runner.beforeCommit();
                    List<OffsetStore.Move> moves = committing.moves(ownership);
                    if (moves.isEmpty()) {
                      // Nothing to compare-and-set (the first event is retried): check ownership
                      // as such, so that no commit of this runner goes unchecked.
                      offsets.requireHeld(h, ownership.held(full.nextOffsets().keySet()));
                    }
                    offsets.move(h, moves);
                    return new Committed(committing, o, retryFrom);
                  });
    } catch (BatchApplier.WholeBatchFailed failed) {
      // Nothing of the batch committed: apply the same records again, event by event.
      commit(batch, true);
      return;
    } catch (OffsetStore.Rejected r) {
      runner.rejected();
      LOG.info("runner {} of {}: commit rejected ({}); re-reading its partitions", runner.owner, spec, r.getMessage());
      full.rewind(ownership);
      ownership.resync(full.nextOffsets().keySet());
      return;
    } catch (RuntimeException e) {
      // Nothing of the batch committed: read it again. The rewind needs no database, so it holds
      // even when the failure was the database; re-reading the rows (a replay may have moved
      // them) is a refinement that may fail with it.
      full.rewind(ownership);
      try {
        ownership.resync(full.nextOffsets().keySet());
      } catch (RuntimeException resyncFailure) {
        e.addSuppressed(resyncFailure);
      }
      throw e;
    }
    Map<TopicPartition, OffsetAndMetadata> kafkaOffsets = new HashMap<>();
    for (Map.Entry<TopicPartition, Long> e : done.plan().nextOffsets().entrySet()) {
      TopicPartition tp = e.getKey();
      ownership.committed(tp, e.getValue(), done.plan().lastPositions().get(tp));
      kafkaOffsets.put(tp, new OffsetAndMetadata(e.getValue()));
    }
    for (BatchPlan.Malformed m : done.plan().malformed()) {
      ConsumerRecord<String, byte[]> r = m.record();
      LOG.warn("projection {}: parked a record not in Cairn's format at {}-{}@{}", spec, r.topic(), r.partition(), r.offset(), m.error());
    }
    BatchApplier.Outcome outcome = done.outcome();
    runner.committed(outcome);
    kafkaLiveness.committed(batch, done.retryFrom(), ownership);
    List<BatchApplier.Item> items = items(full);
    runner.retrying(
        !outcome.isComplete(),
        () -> {
          BatchApplier.Item i = items.get(outcome.handled());
          return "event " + i.event().eventId() + " (" + i.event().eventType() + ") of stream " + i.event().streamId()
              + " at " + i.topic() + "-" + i.partition() + "@" + i.offset() + " failed; retrying";
        });
    kafkaPending.putAll(kafkaOffsets);
    if (System.nanoTime() - kafkaCommittedAt >= runner.kafkaCommitInterval.toNanos()) {
      commitToKafka();
    }
    if (!outcome.isComplete()) {
      // Each partition goes back to its first record not committed, the event to retry first.
      BatchPlan.rewindTo(batch.subList(done.retryFrom(), batch.size()), ownership);
      runner.backOff(outcome.backoff());
    }
  }
}
