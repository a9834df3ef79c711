package dev.cairn.projections;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.EventEnvelope;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.RecordedEvent;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a batch of events to a projection inside the caller's transaction. The whole batch is
 * tried first (a {@link BatchProjection} gets its handled events in one {@link
 * BatchProjection#applyBatch} call), without a savepoint (see {@link Mode}); only if that fails
 * is it run again, in a new transaction, event by event, each under its own savepoint, with
 * parking as the failure policy says. An event to be retried ends the batch
 * there: the runner commits what came before it and waits out the backoff outside any
 * transaction, so a failing projection never holds a transaction id (and with it the store's
 * global-order fence, and so the relay and every other reader) through its retries.
 */
final class BatchApplier {

  private static final Logger LOG = LoggerFactory.getLogger(BatchApplier.class);

  /** An event with its source coordinates (topic null for the store). */
  record Item(RecordedEvent event, @Nullable String topic, int partition, long offset) {
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

  /**
   * What one batch did.
   *
   * @param applied events applied
   * @param parked events parked
   * @param handled how many items, from the first, were dealt with (applied, parked, skipped or
   *     not handled by the projection); the runner commits its position after those
   * @param retryAfter null if all were handled; else the item after them is to be tried again
   *     after this backoff
   */
  record Outcome(int applied, int parked, int handled, @Nullable Duration retryAfter) {
    static Outcome complete(int applied, int parked, int items) {
      return new Outcome(applied, parked, items, null);
    }

    boolean isComplete() {
      return retryAfter == null;
    }

    /** The backoff before the retry, of an outcome that is not complete. */
    Duration backoff() {
      return requireNonNull(retryAfter, "a complete outcome has no backoff");
    }
  }

  private final Projection projection;
  private final ProjectionSpec spec;
  private final ReadModel model;
  private final EventSerializer serializer;
  private final FailurePolicy policy;
  private final DeadLetters deadLetters;
  /** The logical types the projection reads; others are passed over without being deserialized. */
  private final java.util.function.Predicate<String> handles;
  /**
   * Failed attempts of events waiting for a retry, by event id. Written by the runner's thread;
   * cleared by a replay or a rebalance, after which the counts start again.
   */
  private final Map<UUID, Integer> failedAttempts = new ConcurrentHashMap<>();
  private final ProjectionTracing tracing;
  /** The projection if it applies whole batches, else null. */
  private final @Nullable BatchProjection batchProjection;

  BatchApplier(
      Projection projection, ReadModel model, EventSerializer serializer, FailurePolicy policy, DeadLetters deadLetters,
      ProjectionTracing tracing) {
    this.projection = projection;
    this.spec = projection.spec();
    this.model = model;
    this.serializer = serializer;
    this.policy = policy;
    this.deadLetters = deadLetters;
    this.handles = Projections.handledTypes(projection, serializer);
    this.tracing = tracing;
    this.batchProjection = projection instanceof BatchProjection b ? b : null;
  }

  static void applyOne(
      Projection projection, EventSerializer serializer, ReadModel model, Handle h, RecordedEvent recorded) {
    Object event = serializer.deserialize(recorded);
    projection.apply(EventEnvelope.of(recorded, event), h, model);
  }

  /**
   * How a batch is tried first: whole without a savepoint (a failure throws {@link
   * WholeBatchFailed}: the caller rolls its transaction back and applies the batch again {@code
   * CAREFULLY}; two round trips fewer per batch than a savepoint around it, when nothing fails); or
   * event by event at once.
   */
  enum Mode {
    WHOLE_OR_THROW,
    CAREFULLY
  }

  /** A batch applied whole without a savepoint failed; the caller's transaction must roll back. */
  static final class WholeBatchFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    WholeBatchFailed(Throwable cause) {
      super("batch failed; to be applied event by event", cause);
    }
  }

  /**
   * Applies the batch in the caller's transaction, which must hold the version's shared lock.
   *
   * @param mayHaveOpenDeadLetters false if the caller knows the version has no open dead letters
   *     (then no stream of the batch waits behind one, and the dead letters are not read)
   * @param mode how the batch is tried first
   * @throws WholeBatchFailed in mode {@code WHOLE_OR_THROW}, if the batch failed
   */
  Outcome apply(Handle h, List<Item> items, boolean mayHaveOpenDeadLetters, Mode mode) {
    Set<String> blocked = new java.util.HashSet<>();
    if (policy.streamWaitsBehindParked() && mayHaveOpenDeadLetters) {
      Set<String> streams = new LinkedHashSet<>();
      for (Item i : items) {
        streams.add(i.event().streamId());
      }
      blocked = deadLetters.openStreams(h, spec, streams);
    }
    // An event waiting for its retry is tried on its own, with its attempts counted. It need not
    // be in the next batch: a Kafka runner's next poll may bring other partitions' records first.
    boolean retrying =
        !failedAttempts.isEmpty() && items.stream().anyMatch(i -> failedAttempts.containsKey(i.event().eventId()));
    if (blocked.isEmpty() && !retrying && mode == Mode.WHOLE_OR_THROW) {
      try {
        BatchProjection batch = batchProjection;
        int applied = batch != null ? applyAsBatch(batch, h, items) : applyEach(h, items);
        return Outcome.complete(applied, 0, items.size());
      } catch (RuntimeException e) {
        LOG.debug("projection {}: batch failed; it is applied again event by event", spec, e);
        throw new WholeBatchFailed(e);
      }
    }
    return carefully(h, items, blocked);
  }

  /** Applies the handled events one by one (the fast path of a per-event projection). */
  private int applyEach(Handle h, List<Item> items) {
    int applied = 0;
    for (Item i : items) {
      if (handles.test(i.event().eventType())) {
        try (ProjectionTracing.Apply span = tracing.start(i, 1)) {
          try {
            applyOne(projection, serializer, model, h, i.event());
          } catch (RuntimeException e) {
            span.failed(e);
            throw e;
          }
        }
        applied++;
      }
    }
    return applied;
  }

  /**
   * Hands the handled events to the batch projection in one call. With tracing on, each event's
   * span is open around the call (and marked failed with it); without an SDK nothing is made.
   */
  private int applyAsBatch(BatchProjection batch, Handle h, List<Item> items) {
    List<EventEnvelope<?>> envelopes = new ArrayList<>(items.size());
    List<Item> handled = tracing.enabled() ? new ArrayList<>(items.size()) : null;
    for (Item i : items) {
      if (handles.test(i.event().eventType())) {
        RecordedEvent e = i.event();
        envelopes.add(EventEnvelope.of(e, serializer.deserialize(e)));
        if (handled != null) {
          handled.add(i);
        }
      }
    }
    if (envelopes.isEmpty()) {
      return 0;
    }
    if (handled == null) {
      batch.applyBatch(Collections.unmodifiableList(envelopes), h, model);
      return envelopes.size();
    }
    Deque<ProjectionTracing.Apply> spans = new ArrayDeque<>(handled.size());
    try {
      for (Item i : handled) {
        spans.push(tracing.start(i, 1));
      }
      batch.applyBatch(Collections.unmodifiableList(envelopes), h, model);
    } catch (RuntimeException e) {
      spans.forEach(span -> span.failed(e));
      throw e;
    } finally {
      while (!spans.isEmpty()) {
        spans.pop().close(); // the last opened first: each restores the context it replaced
      }
    }
    return envelopes.size();
  }

  /** Forgets the attempts of events waiting for a retry (a replay or a rebalance moved on). */
  void forgetRetries() {
    failedAttempts.clear();
  }

  private Outcome carefully(Handle h, List<Item> items, Set<String> blocked) {
    int applied = 0;
    int parked = 0;
    for (int index = 0; index < items.size(); index++) {
      Item i = items.get(index);
      RecordedEvent e = i.event();
      if (!handles.test(e.eventType())) {
        continue;
      }
      if (blocked.contains(e.streamId())) {
        try (ProjectionTracing.Apply span = tracing.start(i, 0)) {
          span.parked(null, 0, "waits behind a parked event of its stream");
          deadLetters.park(h, spec, i, null, 0);
        }
        parked++;
        continue;
      }
      int attempts = failedAttempts.getOrDefault(e.eventId(), 0) + 1;
      try (ProjectionTracing.Apply span = tracing.start(i, attempts)) {
        Outcome stop = applyCarefully(h, i, attempts, span, blocked);
        if (stop == APPLIED) {
          applied++;
        } else if (stop == PARKED) {
          parked++;
        } else if (stop != SKIPPED) {
          return new Outcome(applied, parked, index, stop.retryAfter());
        }
      }
    }
    return Outcome.complete(applied, parked, items.size());
  }

  private static final Outcome APPLIED = Outcome.complete(1, 0, 1);
  private static final Outcome PARKED = Outcome.complete(0, 1, 1);
  private static final Outcome SKIPPED = Outcome.complete(0, 0, 1);

  /** Applies one event under its savepoint; the verdict on a failure is APPLIED, PARKED, SKIPPED or a retry. */
  private Outcome applyCarefully(Handle h, Item i, int attempts, ProjectionTracing.Apply span, Set<String> blocked) {
    RecordedEvent e = i.event();
    h.savepoint("cairn_event");
    try {
      applyOne(projection, serializer, model, h, e);
      h.releaseSavepoint("cairn_event");
      failedAttempts.remove(e.eventId());
      return APPLIED;
    } catch (RuntimeException failure) {
      h.rollbackToSavepoint("cairn_event");
      span.failed(failure);
      ErrorVerdict verdict = policy.verdict(e, failure, attempts);
      if (verdict == ErrorVerdict.RETRY) {
        failedAttempts.put(e.eventId(), attempts);
        Duration backoff = policy.backoff(attempts);
        if (attempts == 1) {
          LOG.info(
              "projection {}: event {} ({}) of stream {} at {} failed; retrying in {} ms: {}",
              spec, e.eventId(), e.eventType(), e.streamId(), e.position(), backoff.toMillis(), failure.toString());
        } else {
          LOG.debug("projection {}: event {} failed again (attempt {})", spec, e.eventId(), attempts, failure);
        }
        span.retry(attempts, backoff);
        return new Outcome(0, 0, 0, backoff);
      }
      failedAttempts.remove(e.eventId());
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
        span.parked(failure, attempts, "failed");
        deadLetters.park(h, spec, i, failure, attempts);
        if (policy.streamWaitsBehindParked()) {
          blocked.add(e.streamId());
        }
        return PARKED;
      }
      LOG.warn(
          "projection {}: skipped event {} ({}) of stream {} at {}",
          spec, e.eventId(), e.eventType(), e.streamId(), e.position(), failure);
      span.skipped(failure);
      return SKIPPED;
    }
  }
}
