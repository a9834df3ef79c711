package dev.cairn.store.jdbc.internal;

import dev.cairn.api.EventSerializer;
import dev.cairn.api.Loaded;
import dev.cairn.store.jdbc.spi.StoreTables;
import dev.cairn.store.jdbc.spi.WarnOnce;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jspecify.annotations.Nullable;
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

  private final EventSerializer serializer;
  private final int stateRevision;
  private final int every;
  private final @Nullable Duration slowerThan;
  /** Null when snapshots are off. */
  private final @Nullable On<S> on;

  /**
   * What a policy with snapshots on holds.
   *
   * @param snapshots the snapshots' reader and background writer
   * @param stateClass the state's class
   * @param stateType the state's class name, as snapshots record it
   * @param otherType the snapshots ignored as of another state type
   * @param otherRevision those ignored as of another revision
   * @param unreadable those ignored as unreadable
   * @param <S> the state
   */
  private record On<S>(
      Snapshots snapshots,
      Class<S> stateClass,
      String stateType,
      Ignored otherType,
      Ignored otherRevision,
      Ignored unreadable) {}

  /**
   * Creates the policy, and its background writer if snapshots are on.
   *
   * @param jdbi the store's Jdbi
   * @param tables the store's tables
   * @param meters where the writer's and the ignored snapshots' meters are registered
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
      @Nullable Class<S> stateClass,
      int stateRevision,
      int every,
      @Nullable Duration slowerThan) {
    this.on =
        stateClass == null
            ? null
            : new On<>(
                new Snapshots(jdbi, tables.qualified("snapshots"), meters, streamType),
                stateClass,
                stateClass.getName(),
                new Ignored(meters, streamType, "other-type"),
                new Ignored(meters, streamType, "other-revision"),
                new Ignored(meters, streamType, "unreadable"));
    this.serializer = serializer;
    this.stateRevision = stateRevision;
    this.every = every;
    this.slowerThan = slowerThan;
  }

  /**
   * Loads a stream's snapshot, if there is one of the current state type and revision that still
   * reads. Any other snapshot is only a lost optimisation (DESIGN rule 5): it is ignored, counted
   * in {@code cairn.snapshots.ignored} by reason, logged at WARN the first time per reason, and
   * the caller folds from the events; the next snapshot taken replaces it.
   *
   * @param h the handle
   * @param streamId the stream
   * @return the snapshotted state, empty if none is usable or snapshots are off
   */
  Optional<Loaded<S>> find(Handle h, String streamId) {
    On<S> on = this.on;
    if (on == null) {
      return Optional.empty();
    }
    String stateType = on.stateType();
    Optional<Snapshots.Stored> found = on.snapshots().find(h, streamId);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    Snapshots.Stored snap = found.get();
    if (!snap.stateType().equals(stateType)) {
      on.otherType().ignore(
          streamId,
          "snapshot of " + snap.stateType() + " revision " + snap.stateRevision() + " at version "
              + snap.version() + "; current is " + stateType + " revision " + stateRevision,
          null);
      return Optional.empty();
    }
    if (snap.stateRevision() != stateRevision) {
      on.otherRevision().ignore(
          streamId,
          "snapshot of revision " + snap.stateRevision() + " at version " + snap.version()
              + "; current is revision " + stateRevision,
          null);
      return Optional.empty();
    }
    S state;
    try {
      state = serializer.readState(snap.payload(), on.stateClass());
    } catch (RuntimeException e) {
      // The state's shape changed without a revision bump: the snapshot is of no use, but the
      // events still are. The next snapshot the policy takes overwrites this one.
      on.unreadable().ignore(
          streamId,
          "snapshot of revision " + snap.stateRevision() + " at version " + snap.version()
              + ", which no longer reads as " + stateType
              + " (bump the state revision whenever the state's shape changes)",
          e);
      return Optional.empty();
    }
    if (state == null) {
      on.unreadable().ignore(streamId, "snapshot at version " + snap.version() + " reads as null", null);
      return Optional.empty();
    }
    return Optional.of(new Loaded<>(streamId, snap.version(), state));
  }

  /** Snapshots a loaded state if many events were folded, or the load was slow. */
  void afterLoad(Loaded<S> loaded, int folded, long nanos) {
    if (on != null
        && loaded.exists()
        && (folded >= every || (folded > 0 && slowerThan != null && nanos > slowerThan.toNanos()))) {
      write(on, loaded);
    }
  }

  /**
   * Snapshots the state after an append if the append crossed a multiple of the interval.
   *
   * @param versionBefore the stream's version before the append
   * @param after the state after it
   */
  public void afterAppend(long versionBefore, Loaded<S> after) {
    if (on != null && after.version() / every > versionBefore / every) {
      write(on, after);
    }
  }

  private void write(On<S> on, Loaded<S> loaded) {
    S state = loaded.state();
    on.snapshots().writeLater(
        loaded.streamId(), loaded.version(), on.stateType(), stateRevision, () -> serializer.writeState(state));
  }

  /** Waits until every queued snapshot has been written. */
  public void flush() {
    if (on != null) {
      on.snapshots().flush();
    }
  }

  /** Stops the writer after the queued snapshots are written. */
  @Override
  public void close() {
    if (on != null) {
      on.snapshots().close();
    }
  }

  /**
   * Counts the snapshots ignored for one reason, and logs the first (per repository, i.e. per
   * stream type) at WARN and the rest at DEBUG: an unreadable snapshot is met on every load of every stream that has one until the
   * policy replaces it, so logging each would flood the log.
   */
  private static final class Ignored {
    private final Counter counter;
    private final String streamType;
    private final String reason;
    private final AtomicBoolean warned = new AtomicBoolean();

    Ignored(MeterRegistry meters, String streamType, String reason) {
      this.streamType = streamType;
      this.reason = reason;
      this.counter =
          Counter.builder("cairn.snapshots.ignored")
              .description("Snapshots not used on load; the state was folded from events instead")
              .tag("stream_type", streamType)
              .tag("reason", reason)
              .register(meters);
    }

    void ignore(String streamId, String what, @Nullable Throwable error) {
      counter.increment();
      String cause = error == null ? "" : ": " + WarnOnce.describe("reading it", error);
      if (warned.compareAndSet(false, true)) {
        LOG.warn(
            "stream {} ({}): ignoring {}{}; folding from events instead. Further snapshots of stream"
                + " type {} ignored as {} are logged at DEBUG and counted in cairn.snapshots.ignored",
            streamId, streamType, what, cause, streamType, reason);
      } else {
        LOG.debug("stream {} ({}): ignoring {}{}", streamId, streamType, what, cause);
      }
    }
  }
}
