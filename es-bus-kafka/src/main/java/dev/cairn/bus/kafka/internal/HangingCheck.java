package dev.cairn.bus.kafka.internal;

import dev.cairn.bus.kafka.KafkaRelay;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
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
  private final String transactionalId;
  /** The topics this relay writes: its position topic and every event topic it published to. */
  private final Set<String> ownedTopics = new LinkedHashSet<>();
  /** When (ms since the epoch) to look again; MAX_VALUE for never. */
  private long due = Long.MAX_VALUE;

  HangingCheck(HangingTransactions hanging, RelayMetrics metrics, String transactionalId) {
    this.hanging = hanging;
    this.metrics = metrics;
    this.transactionalId = transactionalId;
  }

  /** Adds a topic the relay writes to those it looks at. */
  void own(String topic) {
    ownedTopics.add(topic);
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
      return result.aborted().size();
    } catch (RuntimeException e) {
      LOG.warn("relay {}: looking for hanging transactions on {} failed; will look again", transactionalId,
          ownedTopics, e);
      due = now + hanging.threshold().toMillis();
      return 0;
    }
  }
}
