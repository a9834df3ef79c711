package dev.cairn.bus.kafka.internal;

import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.api.Health;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the relay looks for hanging transactions, and on which topics: those it writes. It looks
 * only when there is a reason (recovering from a broker failure, a position read that timed out,
 * a transaction too recent to judge at the last look), because each look costs admin requests.
 * Runs on the relay's thread only, while the relay has no transaction open.
 */
final class HangingCheck {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaRelay.class);

  private final HangingTransactions hanging;
  private final RelayMetrics metrics;
  private final RelayHealth health;
  private final String transactionalId;
  /** The topics this relay writes: its position topic and every event topic it published to. */
  private final Set<String> ownedTopics = new LinkedHashSet<>();
  /** When (ms since the epoch) to look again; MAX_VALUE for never. */
  private long due = Long.MAX_VALUE;

  HangingCheck(HangingTransactions hanging, RelayMetrics metrics, RelayHealth health, String transactionalId) {
    this.hanging = hanging;
    this.metrics = metrics;
    this.health = health;
    this.transactionalId = transactionalId;
  }

  /**
   * Adds a topic the relay writes to those it looks at. A topic new to this relay is looked at
   * soon, once: a predecessor's crash may have left a transaction there, partly committed.
   */
  void own(String topic) {
    if (ownedTopics.add(topic)) {
      due = Math.min(due, System.currentTimeMillis());
    }
  }

  /** The transaction timeout plus a margin: how old an untracked open transaction must be. */
  Duration threshold() {
    return hanging.threshold();
  }

  /** Whether a transaction too recent to judge at the last look is now old enough. */
  boolean due() {
    return System.currentTimeMillis() >= due;
  }

  /**
   * Looks for hanging transactions on the relay's topics and aborts them; a failure to look is
   * logged and the look retried later.
   *
   * @param reason why it looks, for the log
   * @return how many were aborted
   */
  int abortHanging(String reason) {
    due = Long.MAX_VALUE;
    long now = System.currentTimeMillis();
    try {
      LOG.debug("relay {} looks for hanging transactions on {}: {}", transactionalId, ownedTopics, reason);
      HangingTransactions.Result result = hanging.abortHanging(ownedTopics, now);
      metrics.hangingAborted(result.aborted().size());
      result.recheckAt().ifPresent(at -> due = at);
      partial(result.partial(), now);
      return result.aborted().size();
    } catch (RuntimeException e) {
      LOG.warn("relay {}: looking for hanging transactions on {} failed; will look again", transactionalId,
          ownedTopics, e);
      due = now + hanging.threshold().toMillis();
      return 0;
    }
  }

  /**
   * Raises {@link RelayHealth#PARTIALLY_COMMITTED} while a transaction hangs on one of the relay's
   * partitions after it ended on others, and looks again a threshold later, so that the cause
   * clears by itself once an operator resolved it; clears the cause when none is left.
   */
  private void partial(List<HangingTransactions.PartialTransaction> partial, long now) {
    if (partial.isEmpty()) {
      health.tracker().clear(RelayHealth.PARTIALLY_COMMITTED);
      return;
    }
    health.tracker().raise(
        RelayHealth.PARTIALLY_COMMITTED, Health.Status.DOWN,
        "relay " + transactionalId + ": " + partial.stream()
            .map(HangingTransactions.PartialTransaction::describe)
            .collect(Collectors.joining("; "))
            + "; aborting it could duplicate or lose records, so it waits for an operator:"
            + " see RelayRepair.resolvePartiallyCommitted and the README's runbook");
    due = Math.min(due, now + hanging.threshold().toMillis());
  }
}
