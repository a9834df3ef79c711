package dev.cairn.projections;

import dev.cairn.api.EventEnvelope;
import org.jdbi.v3.core.Handle;

/**
 * Folds events into read-model tables. A runner calls {@link #apply} for every event the
 * projection {@linkplain ProjectionSpec#handles handles}, inside the transaction that also stores
 * the runner's checkpoint, so each event changes the read model exactly once.
 *
 * <p>Each version of a projection has its own tables, named by {@link ReadModel#table()} ({@code
 * <name>_v<version>}); readers query the view {@link ReadModel#view()} ({@code <name>}), which a
 * rebuild switches to a new version in one transaction. {@link Projections#builder} writes a
 * projection in a few lines.
 */
public interface Projection {

  /**
   * Returns the projection's name, version and handled event types.
   *
   * @return the spec
   */
  ProjectionSpec spec();

  /**
   * Creates this version's tables; runs once per version, in a transaction.
   *
   * @param handle the transaction's handle
   * @param model names this version's tables
   */
  void setup(Handle handle, ReadModel model);

  /**
   * Applies one event to this version's tables, inside the runner's transaction. It must not
   * commit, roll back or keep the handle.
   *
   * @param envelope the event, read into its record
   * @param handle the transaction's handle
   * @param model names this version's tables
   */
  void apply(EventEnvelope<?> envelope, Handle handle, ReadModel model);
}
