package dev.cairn.bus.kafka.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and aborts hanging transactions on a relay's partitions, as Kafka's {@code
 * kafka-transactions.sh find-hanging} and {@code abort} do.
 *
 * <p>A transaction hangs when a partition holds data of it but no transaction coordinator will
 * ever write its marker (a broker crash can lose the coordinator's record of it): the partition's
 * last stable offset then stays below its high watermark for good, and {@code read_committed}
 * consumers, the relay's own position read among them, stall there. A transaction open on a
 * partition counts as hanging only if both hold:
 *
 * <ul>
 *   <li>its producer last appended to the partition longer ago than the threshold (the
 *       transaction timeout plus a margin), so a live transaction would have been committed or
 *       aborted by its coordinator by now;
 *   <li>the coordinator does not list the partition in a transaction of that producer id (or does
 *       not know the producer id at all), so it will never write a marker there.
 * </ul>
 *
 * A transaction the coordinator still lists is always left to the coordinator, however old. A
 * hanging transaction that already ended on another partition (same producer id, later epoch, no
 * transaction open there, last append close in time) is not aborted either but logged at ERROR:
 * after a broker crash the coordinator can write the commit marker to some partitions, skip the
 * others because they have no leader at that moment, and consider the transaction committed;
 * aborting the rest would then show part of a committed transaction twice once it is published
 * again, or lose part of it. The check reports those ({@link Result#partial()}); the relay turns
 * them into a DOWN health and {@link PartialTransactionRepair} resolves them when asked.
 */
public final class HangingTransactions {

  private static final Logger LOG = LoggerFactory.getLogger(HangingTransactions.class);

  /**
   * A transaction open on one partition, as {@code DescribeProducers} reports it.
   *
   * @param partition the partition
   * @param producerId the producer id that wrote it
   * @param producerEpoch the producer epoch it was written with
   * @param coordinatorEpoch the coordinator epoch of the partition's last marker of that
   *     producer, -1 if none
   * @param startOffset the offset of its first record in the partition
   * @param lastTimestamp the timestamp (ms since the epoch) of the producer's last append
   */
  public record OpenTransaction(
      TopicPartition partition, long producerId, short producerEpoch, int coordinatorEpoch, long startOffset,
      long lastTimestamp) {

    /**
     * Reads an open transaction from a producer's state on a partition.
     *
     * @param partition the partition
     * @param state the producer's state there, with a current transaction
     * @return the open transaction
     * @throws IllegalArgumentException if the producer has no transaction open there
     */
    public static OpenTransaction of(TopicPartition partition, ProducerState state) {
      if (state.currentTransactionStartOffset().isEmpty()) {
        throw new IllegalArgumentException(
            "producer " + state.producerId() + " has no transaction open on " + partition + ": " + state);
      }
      return new OpenTransaction(
          partition, state.producerId(), (short) state.producerEpoch(), state.coordinatorEpoch().orElse(-1),
          state.currentTransactionStartOffset().getAsLong(), state.lastTimestamp());
    }
  }

  /**
   * A hanging transaction that already ended on other partitions: partly committed (or partly
   * aborted; the partitions do not tell which), so it is not aborted by the check.
   *
   * @param hanging the transaction still open on its partition
   * @param endedOn the partitions on which the same transaction already ended
   */
  public record PartialTransaction(OpenTransaction hanging, List<TopicPartition> endedOn) {

    /**
     * Copies the list.
     *
     * @param hanging the transaction still open on its partition
     * @param endedOn the partitions on which it ended
     */
    public PartialTransaction {
      endedOn = List.copyOf(endedOn);
    }

    /**
     * Describes it for an operator: partition, producer id, epoch, start offset, where it ended.
     *
     * @return the description
     */
    public String describe() {
      return "transaction of producer id " + hanging.producerId() + " epoch " + hanging.producerEpoch()
          + " hangs on " + hanging.partition() + " from offset " + hanging.startOffset()
          + " but already ended (committed) on " + endedOn;
    }
  }

  /**
   * What one check found.
   *
   * @param aborted the hanging transactions it aborted
   * @param partial the hanging transactions it left alone because they already ended on other
   *     partitions
   * @param recheckAt when (ms since the epoch) a transaction that was open but too recent to judge
   *     will be old enough to judge; empty if there was none
   */
  public record Result(List<OpenTransaction> aborted, List<PartialTransaction> partial, OptionalLong recheckAt) {

    /**
     * Copies the lists.
     *
     * @param aborted the hanging transactions it aborted
     * @param partial the partly ended transactions it left alone
     * @param recheckAt when to check again, if at all
     */
    public Result {
      aborted = List.copyOf(aborted);
      partial = List.copyOf(partial);
    }
  }

  private final TransactionQueries queries;
  private final Duration threshold;

  /**
   * Creates the checker.
   *
   * @param admin the relay's admin client
   * @param threshold how long a producer must have been silent on a partition before its open
   *     transaction there may be judged hanging: the transaction timeout plus a margin
   * @param timeout how long each admin request may take
   */
  public HangingTransactions(TopicAdmin admin, Duration threshold, Duration timeout) {
    this.queries = new TransactionQueries(admin.client(), timeout);
    this.threshold = threshold;
  }

  /**
   * Returns the threshold after which a transaction the coordinator does not track is hanging.
   *
   * @return the transaction timeout plus a margin
   */
  public Duration threshold() {
    return threshold;
  }

  /**
   * Decides which open transactions hang: those whose producer last appended more than {@code
   * thresholdMs} before {@code nowMs} and whose partition the coordinator does not list in a
   * transaction of their producer id.
   *
   * @param open the transactions open on the partitions
   * @param coordinator what the coordinator knows, by producer id; a producer id missing here is
   *     unknown to it
   * @param nowMs the current time, ms since the epoch
   * @param thresholdMs the transaction timeout plus a margin
   * @return the hanging transactions, in the order given
   */
  public static List<OpenTransaction> hanging(
      Collection<OpenTransaction> open, Map<Long, TransactionDescription> coordinator, long nowMs, long thresholdMs) {
    List<OpenTransaction> result = new ArrayList<>();
    for (OpenTransaction t : open) {
      if (oldEnough(t, nowMs, thresholdMs) && !tracked(t, coordinator.get(t.producerId()))) {
        result.add(t);
      }
    }
    return result;
  }

  /**
   * Tells whether the coordinator will still write a marker for an open transaction: it lists
   * the transaction's partition under the same producer id, whatever the state (ongoing, or
   * preparing a commit or an abort whose markers are not all written yet).
   */
  private static boolean tracked(OpenTransaction t, @Nullable TransactionDescription d) {
    return d != null && d.producerId() == t.producerId() && d.topicPartitions().contains(t.partition());
  }

  private static boolean oldEnough(OpenTransaction t, long nowMs, long thresholdMs) {
    return nowMs - t.lastTimestamp() > thresholdMs;
  }

  /**
   * Looks for hanging transactions on every partition of some topics and aborts them, logging each
   * abort at WARN. An abort the broker refuses (the transaction ended meanwhile) is logged and
   * skipped.
   *
   * @param topics the topics whose partitions to check
   * @param nowMs the current time, ms since the epoch
   * @return the aborted transactions, and when to check again for transactions too recent to judge
   * @throws KafkaException if the partitions' producers or the coordinator cannot be asked
   */
  public Result abortHanging(Collection<String> topics, long nowMs) {
    if (topics.isEmpty()) {
      return new Result(List.of(), List.of(), OptionalLong.empty());
    }
    Map<TopicPartition, List<ProducerState>> states = queries.producers(queries.partitions(topics));
    List<OpenTransaction> open = new ArrayList<>();
    states.forEach(
        (tp, producers) -> producers.stream()
            .filter(p -> p.currentTransactionStartOffset().isPresent())
            .forEach(p -> open.add(OpenTransaction.of(tp, p))));
    List<OpenTransaction> old = new ArrayList<>();
    OptionalLong recheckAt = OptionalLong.empty();
    for (OpenTransaction t : open) {
      if (oldEnough(t, nowMs, threshold.toMillis())) {
        old.add(t);
      } else {
        long at = t.lastTimestamp() + threshold.toMillis() + 1;
        recheckAt = OptionalLong.of(recheckAt.isPresent() ? Math.min(recheckAt.getAsLong(), at) : at);
      }
    }
    if (old.isEmpty()) {
      return new Result(List.of(), List.of(), recheckAt);
    }
    List<OpenTransaction> hanging = hanging(old, queries.coordinatorView(old), nowMs, threshold.toMillis());
    List<OpenTransaction> aborted = new ArrayList<>();
    List<PartialTransaction> partial = new ArrayList<>();
    for (OpenTransaction t : hanging) {
      List<TopicPartition> endedOn = endedOn(t, states, threshold.toMillis());
      if (!endedOn.isEmpty()) {
        partial.add(new PartialTransaction(t, endedOn));
        // Seen after a broker crash: the coordinator wrote the commit marker to some partitions,
        // then skipped the others as leaderless and considered the transaction done. Aborting
        // the rest would publish part of a committed batch twice (or lose part of it).
        LOG.error(
            "not aborting the hanging transaction on {} of producer id {} epoch {} from offset {}: the same"
                + " transaction already ended on {} (committed or aborted, which is not known), so aborting it"
                + " here could duplicate or lose records; the relay is DOWN (transaction-partially-committed) until"
                + " an operator resolves it (RelayRepair.resolvePartiallyCommitted)",
            t.partition(), t.producerId(), t.producerEpoch(), t.startOffset(), endedOn);
      } else if (tryAbort(t, nowMs)) {
        aborted.add(t);
      }
    }
    return new Result(aborted, partial, recheckAt);
  }

  /**
   * Finds the partly ended transactions on the partitions of some topics, aborting nothing.
   *
   * @param topics the topics whose partitions to check
   * @param nowMs the current time, ms since the epoch
   * @return the hanging transactions that already ended on other partitions of those topics
   * @throws KafkaException if the partitions' producers or the coordinator cannot be asked
   */
  public List<PartialTransaction> findPartial(Collection<String> topics, long nowMs) {
    Map<TopicPartition, List<ProducerState>> states = queries.producers(queries.partitions(topics));
    List<OpenTransaction> old = new ArrayList<>();
    states.forEach(
        (tp, producers) -> producers.stream()
            .filter(p -> p.currentTransactionStartOffset().isPresent())
            .map(p -> OpenTransaction.of(tp, p))
            .filter(t -> oldEnough(t, nowMs, threshold.toMillis()))
            .forEach(old::add));
    if (old.isEmpty()) {
      return List.of();
    }
    List<PartialTransaction> partial = new ArrayList<>();
    for (OpenTransaction t : hanging(old, queries.coordinatorView(old), nowMs, threshold.toMillis())) {
      List<TopicPartition> endedOn = endedOn(t, states, threshold.toMillis());
      if (!endedOn.isEmpty()) {
        partial.add(new PartialTransaction(t, endedOn));
      }
    }
    return partial;
  }

  /**
   * Aborts the part of a transaction that hangs on one partition, whether or not it ended
   * elsewhere.
   *
   * @param t the open transaction
   * @throws KafkaException if the broker refuses or does not answer
   */
  public void abort(OpenTransaction t) {
    queries.abort(t);
  }

  /**
   * Finds another partition on which the producer of an open transaction has no transaction open,
   * a later epoch (transaction version 2 bumps it with each marker) and a last append close in
   * time: there the same transaction most likely ended with a marker, so it is partly complete.
   *
   * @param t a hanging transaction
   * @param producers the producers of every partition checked
   * @param windowMs how close in time the other partition's last append must be
   * @return such a partition, if any
   */
  public static Optional<TopicPartition> endedElsewhere(
      OpenTransaction t, Map<TopicPartition, List<ProducerState>> producers, long windowMs) {
    return endedOn(t, producers, windowMs).stream().findFirst();
  }

  /**
   * Finds every other partition on which the same transaction most likely ended, as {@link
   * #endedElsewhere} does.
   *
   * @param t a hanging transaction
   * @param producers the producers of every partition checked
   * @param windowMs how close in time the other partition's last append must be
   * @return those partitions, sorted by topic and partition
   */
  public static List<TopicPartition> endedOn(
      OpenTransaction t, Map<TopicPartition, List<ProducerState>> producers, long windowMs) {
    List<TopicPartition> result = new ArrayList<>();
    for (Map.Entry<TopicPartition, List<ProducerState>> e : producers.entrySet()) {
      if (e.getKey().equals(t.partition())) {
        continue;
      }
      for (ProducerState p : e.getValue()) {
        if (p.producerId() == t.producerId()
            && p.currentTransactionStartOffset().isEmpty()
            && p.producerEpoch() > t.producerEpoch()
            && Math.abs(p.lastTimestamp() - t.lastTimestamp()) <= windowMs) {
          result.add(e.getKey());
          break;
        }
      }
    }
    result.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
    return result;
  }

  private boolean tryAbort(OpenTransaction t, long nowMs) {
    try {
      queries.abort(t);
    } catch (KafkaException e) {
      // Most likely it ended meanwhile (its epoch is then stale); the next check tells.
      LOG.warn(
          "could not abort the hanging transaction on {} of producer id {} epoch {} from offset {}: {}",
          t.partition(), t.producerId(), t.producerEpoch(), t.startOffset(), e.toString());
      return false;
    }
    LOG.warn(
        "aborted a hanging transaction on {}: producer id {}, epoch {}, coordinator epoch {}, start offset {},"
            + " last append {} ms ago; its transaction coordinator no longer tracked it",
        t.partition(), t.producerId(), t.producerEpoch(), t.coordinatorEpoch(), t.startOffset(),
        nowMs - t.lastTimestamp());
    return true;
  }
}
