package dev.cairn.bus.kafka;

import dev.cairn.api.GlobalPosition;
import dev.cairn.bus.kafka.internal.HangingTransactions;
import dev.cairn.bus.kafka.internal.PartialTransactionRepair;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.KafkaException;

/**
 * Operator actions on a relay's Kafka state that the relay never takes by itself. See the
 * README's runbook "A transaction partially committed".
 */
public final class RelayRepair {

  private RelayRepair() {}

  /**
   * What {@link #resolvePartiallyCommitted} did.
   *
   * @param resolved descriptions of the open parts it aborted (partition, producer id, epoch, start
   *     offset, and the partitions where the transaction had committed)
   * @param rewoundTo the position it committed for the relay, if it moved the relay back so that
   *     the events of an aborted part on an event partition are published again
   */
  public record Resolution(List<String> resolved, Optional<GlobalPosition> rewoundTo) {

    /**
     * Copies the list.
     *
     * @param resolved the open parts it aborted
     * @param rewoundTo the position it committed, if any
     */
    public Resolution {
      resolved = List.copyOf(resolved);
      Objects.requireNonNull(rewoundTo, "rewoundTo");
    }
  }

  /**
   * Resolves the cause {@code transaction-partially-committed} of {@link KafkaRelay#health()}: a
   * transaction of the relay that a restarted broker left committed on some partitions and open on
   * others. Kafka cannot write the missing commit markers, so exactly-once cannot be restored for
   * that batch; this trades it for at-least-once and never loses an event. It aborts a part open
   * on the position topic (the relay then publishes that batch again), and before aborting a part
   * open on an event partition it moves the relay's committed position back to just before that
   * part's first event (the relay publishes from there again). Consumers see the affected events
   * twice, with the same {@code ce_id}, and may deduplicate by it. The relay need not be stopped:
   * moving its position fences it, and it resumes from the moved position. Safe to repeat.
   *
   * @param relay the relay, started or not; only its settings are used
   * @param eventTopics the event topics the relay writes (the health message names the partition)
   * @return what it did; an empty resolution if there was nothing to resolve
   * @throws KafkaException if Kafka cannot be asked or refuses a step; calling it again is safe
   */
  public static Resolution resolvePartiallyCommitted(KafkaRelay relay, Collection<String> eventTopics) {
    Objects.requireNonNull(relay, "relay");
    Objects.requireNonNull(eventTopics, "eventTopics");
    PartialTransactionRepair.Outcome outcome = PartialTransactionRepair.resolve(relay.settings(), eventTopics);
    return new Resolution(
        outcome.aborted().stream().map(HangingTransactions.PartialTransaction::describe).toList(), outcome.rewoundTo());
  }
}
