package dev.cairn.store.jdbc.internal;

import dev.cairn.api.EventSerializer;
import dev.cairn.api.Loaded;
import dev.cairn.store.jdbc.spi.StoreTables;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When an aggregate's state is snapshotted, and which stored snapshot may be loaded: one of the
 * current state type and revision. A policy without a state class is off: it never loads nor
 * takes a snapshot.
 *
 * @param <S> the state
 */
public final class SnapshotPolicy<S> implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotPolicy.class);

  private final Snapshots snapshots;
  private final EventSerializer serializer;
  private final Class<S> stateClass;
  private final String stateType;
  private final int stateRevision;
  private final int every;
  private final Duration slowerThan;

  /**
   * Creates the policy, and its background writer if snapshots are on.
   *
   * @param jdbi the store's Jdbi
   * @param tables the store's tables
   * @param meters where the writer's meters are registered
   * @param streamType the aggregates' stream type
   * @param serializer the state's serializer
   * @param stateClass the state's class, or null to turn snapshots off
   * @param stateRevision the state's current revision
   * @param every how many events may accumulate past the last snapshot before another is taken
   * @param slowerThan a load time that also calls for a snapshot, or null for none
   */
  public SnapshotPolicy(
      Jdbi jdbi,
      StoreTables tables,
      MeterRegistry meters,
      String streamType,
      EventSerializer serializer,
      Class<S> stateClass,
      int stateRevision,
      int every,
      Duration slowerThan) {
    this.snapshots =
        stateClass == null ? null : new Snapshots(jdbi, tables.qualified("snapshots"), meters, streamType);
    this.serializer = serializer;
    this.stateClass = stateClass;
    this.stateType = stateClass == null ? null : stateClass.getName();
    this.stateRevision = stateRevision;
    this.every = every;
    this.slowerThan = slowerThan;
  }

  /**
   * Loads a stream's snapshot, if there is one of the current state type and revision.
   *
   * @param h the handle
   * @param streamId the stream
   * @return the snapshotted state, empty if none is usable or snapshots are off
   */
  Optional<Loaded<S>> find(Handle h, String streamId) {
    if (snapshots == null) {
      return Optional.empty();
    }
    Optional<Snapshots.Stored> snap = snapshots.find(h, streamId);
    if (snap.isPresent() && isCurrent(snap.get())) {
      return Optional.of(
          new Loaded<>(streamId, snap.get().version(), serializer.readState(snap.get().payload(), stateClass)));
    }
    if (snap.isPresent()) {
      LOG.debug(
          "stream {}: ignoring snapshot of {} revision {}; current is {} revision {}",
          streamId, snap.get().stateType(), snap.get().stateRevision(), stateType, stateRevision);
    }
    return Optional.empty();
  }

  private boolean isCurrent(Snapshots.Stored snapshot) {
    return snapshot.stateType().equals(stateType) && snapshot.stateRevision() == stateRevision;
  }

  /** Snapshots a loaded state if many events were folded, or the load was slow. */
  void afterLoad(Loaded<S> loaded, int folded, long nanos) {
    if (snapshots != null
        && loaded.exists()
        && (folded >= every || (folded > 0 && slowerThan != null && nanos > slowerThan.toNanos()))) {
      write(loaded);
    }
  }

  /**
   * Snapshots the state after an append if the append crossed a multiple of the interval.
   *
   * @param versionBefore the stream's version before the append
   * @param after the state after it
   */
  public void afterAppend(long versionBefore, Loaded<S> after) {
    if (snapshots != null && after.version() / every > versionBefore / every) {
      write(after);
    }
  }

  private void write(Loaded<S> loaded) {
    S state = loaded.state();
    snapshots.writeLater(loaded.streamId(), loaded.version(), stateType, stateRevision, () -> serializer.writeState(state));
  }

  /** Waits until every queued snapshot has been written. */
  public void flush() {
    if (snapshots != null) {
      snapshots.flush();
    }
  }

  /** Stops the writer after the queued snapshots are written. */
  @Override
  public void close() {
    if (snapshots != null) {
      snapshots.close();
    }
  }
}
