package dev.cairn.projections;

import dev.cairn.api.EventEnvelope;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.RecordedEvent;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a batch of events to a projection inside the caller's transaction. The whole batch first
 * runs under one savepoint; only if an event fails is it run again event by event, each under its
 * own savepoint, with retries, backoff and parking as the failure policy says.
 */
final class BatchApplier {

  private static final Logger LOG = LoggerFactory.getLogger(BatchApplier.class);

  /** An event with its source coordinates (topic null for the store). */
  record Item(RecordedEvent event, String topic, int partition, long offset) {
    static Item of(RecordedEvent event) {
      return new Item(event, null, -1, -1);
    }
  }

  /** The failure policy gave the verdict FAIL: the runner stops. */
  static final class FailVerdict extends RuntimeException {
    private static final long serialVersionUID = 1L;

    FailVerdict(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** What one batch did. */
  record Outcome(int applied, int parked) {}

  private final Projection projection;
  private final ProjectionSpec spec;
  private final ReadModel model;
  private final EventSerializer serializer;
  private final FailurePolicy policy;
  private final DeadLetters deadLetters;

  BatchApplier(
      Projection projection, ReadModel model, EventSerializer serializer, FailurePolicy policy, DeadLetters deadLetters) {
    this.projection = projection;
    this.spec = projection.spec();
    this.model = model;
    this.serializer = serializer;
    this.policy = policy;
    this.deadLetters = deadLetters;
  }

  static void applyOne(
      Projection projection, EventSerializer serializer, ReadModel model, Handle h, RecordedEvent recorded) {
    Object event = serializer.deserialize(recorded);
    projection.apply(EventEnvelope.of(recorded, event), h, model);
  }

  /** Applies the batch in the caller's transaction, which must hold the version's shared lock. */
  Outcome apply(Handle h, List<Item> items) {
    Set<String> streams = new LinkedHashSet<>();
    for (Item i : items) {
      streams.add(i.event().streamId());
    }
    Set<String> blocked =
        policy.streamWaitsBehindParked() ? deadLetters.openStreams(h, spec, streams) : new java.util.HashSet<>();
    if (blocked.isEmpty()) {
      h.savepoint("cairn_batch");
      try {
        int applied = 0;
        for (Item i : items) {
          if (spec.handles(i.event().eventType())) {
            applyOne(projection, serializer, model, h, i.event());
            applied++;
          }
        }
        h.releaseSavepoint("cairn_batch");
        return new Outcome(applied, 0);
      } catch (RuntimeException e) {
        LOG.debug("projection {}: batch failed, applying it event by event", spec, e);
        h.rollbackToSavepoint("cairn_batch"); // Jdbi forgets the savepoint with the rollback
      }
    }
    return carefully(h, items, blocked);
  }

  private Outcome carefully(Handle h, List<Item> items, Set<String> blocked) {
    int applied = 0;
    int parked = 0;
    for (Item i : items) {
      RecordedEvent e = i.event();
      if (!spec.handles(e.eventType())) {
        continue;
      }
      if (blocked.contains(e.streamId())) {
        deadLetters.park(h, spec, i, null, 0);
        parked++;
        continue;
      }
      for (int attempts = 1; ; attempts++) {
        h.savepoint("cairn_event");
        try {
          applyOne(projection, serializer, model, h, e);
          h.releaseSavepoint("cairn_event");
          applied++;
          break;
        } catch (RuntimeException failure) {
          h.rollbackToSavepoint("cairn_event");
          ErrorVerdict verdict = policy.verdict(e, failure, attempts);
          if (verdict == ErrorVerdict.RETRY) {
            sleep(policy.backoff(attempts));
            continue;
          }
          if (verdict == ErrorVerdict.FAIL) {
            throw new FailVerdict(
                "projection " + spec + " failed on event " + e.eventId() + " (" + e.eventType() + ") of stream "
                    + e.streamId() + " at " + e.position(),
                failure);
          }
          if (verdict == ErrorVerdict.PARK) {
            LOG.warn(
                "projection {}: parked event {} ({}) of stream {} at {} after {} attempts",
                spec, e.eventId(), e.eventType(), e.streamId(), e.position(), attempts, failure);
            deadLetters.park(h, spec, i, failure, attempts);
            parked++;
            if (policy.streamWaitsBehindParked()) {
              blocked.add(e.streamId());
            }
          } else {
            LOG.warn(
                "projection {}: skipped event {} ({}) of stream {} at {}",
                spec, e.eventId(), e.eventType(), e.streamId(), e.position(), failure);
          }
          break;
        }
      }
    }
    return new Outcome(applied, parked);
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during retry backoff", e);
    }
  }
}
