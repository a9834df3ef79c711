package dev.cairn.bus.kafka.internal;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.KafkaRelay;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts publishing with a new producer, after taking the lock or after an error: opens it (which
 * fences any older producer with the id and ends its open transaction) and reads the position
 * committed in Kafka, the only position the relay trusts.
 */
final class RelayResume {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaRelay.class);
  /** The least time the position read waits for open transactions to end. */
  private static final Duration MIN_POSITION_WAIT = Duration.ofSeconds(10);

  private final RelaySettings settings;
  private final TopicAdmin admin;
  private final RelayProducer producer;
  private final HangingCheck hanging;
  /** Whether the producer is being reopened after a Kafka failure. */
  private boolean recovering;

  RelayResume(RelaySettings settings, TopicAdmin admin, RelayProducer producer, HangingCheck hanging) {
    this.settings = settings;
    this.admin = admin;
    this.producer = producer;
    this.hanging = hanging;
  }

  /** Notes a Kafka failure: the next resume looks for hanging transactions first. */
  void recovering() {
    recovering = true;
  }

  /**
   * Checks that the producer takes the store's largest event, opens a new producer, checks the
   * position topic and reads where to resume.
   *
   * @return the position committed in Kafka, or the start if none is
   * @throws RelayCheckException if a check failed; the producer is then closed
   */
  GlobalPosition resume() {
    RecordLimits.checkProducer(settings.store().maxEventBytes(), settings.producerSettings());
    producer.open();
    admin.ensure(settings.positionTopic(), Optional.of(1), settings.replication(), Map.of("cleanup.policy", "compact"));
    try {
      RecordLimits.checkPositionTopic(settings.positionTopic(), admin.configs(settings.positionTopic()));
    } catch (RelayCheckException e) {
      producer.close();
      throw e;
    }
    hanging.own(settings.positionTopic());
    if (recovering) {
      // A broker failure is what leaves transactions hanging; looking costs one request.
      hanging.abortHanging("recovering after an error");
      recovering = false;
    }
    Optional<GlobalPosition> committed;
    try {
      committed = readPosition();
    } catch (PositionTopic.NotStableException e) {
      // The wait outlasted the transaction timeout: the transaction in the way may hang. If it
      // is this relay's batch, it may have ended on event topics a relay that just started does
      // not know yet: look at those of the batch after the readable position too, so that a batch
      // committed there is not aborted here (which would publish it twice).
      ownTopicsAfter(e.readUpTo().orElse(GlobalPosition.START));
      if (hanging.abortHanging("the position read timed out: " + e.getMessage()) == 0) {
        throw e;
      }
      committed = readPosition();
    }
    String committedBy = settings.transactionalId();
    if (committed.isEmpty() && settings.replacesTransactionalId().isPresent()) {
      // Taking over from another id (RelayOwner allowed it): go on from where that one stopped.
      committedBy = settings.replacesTransactionalId().get();
      committed = readPosition(committedBy);
    }
    GlobalPosition position = committed.orElse(GlobalPosition.START);
    LOG.info(
        "relay {} resumes after position {}{}", settings.transactionalId(), position,
        committed.isPresent()
            ? " committed in " + settings.positionTopic() + " by " + committedBy
            : " (nothing committed yet)");
    return position;
  }

  private void ownTopicsAfter(GlobalPosition position) {
    for (RecordedEvent e : settings.store().readGlobal(position, settings.batchSize())) {
      hanging.own(settings.router().topicFor(e));
    }
  }

  private Optional<GlobalPosition> readPosition() {
    return readPosition(settings.transactionalId());
  }

  private Optional<GlobalPosition> readPosition(String key) {
    // Long enough that a transaction still in the way when it ends is old enough to be judged.
    Duration wait = hanging.threshold().compareTo(MIN_POSITION_WAIT) > 0 ? hanging.threshold() : MIN_POSITION_WAIT;
    return PositionTopic.readLast(
        KafkaSettings.positionConsumer(settings.rawSettings(), settings.transactionalId() + "-position"),
        admin, settings.positionTopic(), key, wait);
  }
}
