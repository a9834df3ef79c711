package dev.cairn.projections;

import dev.cairn.api.EventEnvelope;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * A projection that writes a whole batch of events at once: with JDBC batches, multi-row upserts
 * ({@code INSERT ... SELECT FROM unnest(?::text[], ?::bigint[]) ON CONFLICT DO UPDATE}) or {@code
 * COPY}, instead of a statement per event. A runner hands it each batch's events that it
 * {@linkplain ProjectionSpec#handles handles}, in their order, inside the same transaction that
 * moves the runner's offsets; so the guarantees stay those of {@link Projection}: exactly once, in
 * order.
 *
 * <p>If {@link #applyBatch} throws, the runner rolls the batch back to a savepoint and applies its
 * events again one by one through {@link #apply}, each under its own savepoint: the failing event
 * is retried, parked or skipped as the {@link FailurePolicy} says, and every other event of the
 * batch is applied exactly once. By default {@link #apply} is {@code applyBatch} of a list of one,
 * so a batch projection is written once; override it if one event has a cheaper path.
 *
 * <p>Several events of a batch may touch the same row (an order placed and paid in one batch). A
 * multi-row upsert with two rows for one key fails ({@code ON CONFLICT DO UPDATE command cannot
 * affect row a second time}): fold the events per key in Java first, then write one row per key.
 *
 * <p>Why a sub-interface and not a default method on {@link Projection}: a projection written per
 * event stays exactly as it was, and a batch projection needs to implement only {@code applyBatch}
 * (its per-event {@code apply}, used for the fallback, follows from it). A default {@code
 * applyBatch} on {@code Projection} would have left {@code apply} to be written twice by every
 * batch projection.
 */
public interface BatchProjection extends Projection {

  /**
   * Applies a batch of events to this version's tables, inside the runner's transaction. It must
   * not commit, roll back or keep the handle; on a failure it throws, and the runner applies the
   * events one by one instead (see the class).
   *
   * @param events the events of the batch this projection handles, read into their records, in
   *     order; never empty
   * @param handle the transaction's handle
   * @param model names this version's tables
   */
  void applyBatch(List<EventEnvelope<?>> events, Handle handle, ReadModel model);

  /**
   * Applies one event: {@link #applyBatch} of a list of one, unless overridden. The runner calls it
   * when a batch failed, for each of its events under a savepoint of its own.
   *
   * @param envelope the event, read into its record
   * @param handle the transaction's handle
   * @param model names this version's tables
   */
  @Override
  default void apply(EventEnvelope<?> envelope, Handle handle, ReadModel model) {
    applyBatch(List.of(envelope), handle, model);
  }
}
