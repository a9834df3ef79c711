package dev.cairn.store.jdbc.internal;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.cairn.api.Loaded;
import dev.cairn.api.RecordedEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import org.jspecify.annotations.Nullable;

/**
 * Loads aggregates' states: from the cache, refreshed with the events newer than its version, or
 * from a snapshot and the events after it. The cache is always refreshed, so several service
 * instances writing the same streams stay correct.
 *
 * @param <S> the state
 */
public final class AggregateLoader<S> {

  private static final int PAGE = 1000;

  /**
   * Applies one stored event to a state.
   *
   * @param <S> the state
   */
  @FunctionalInterface
  public interface Evolver<S> {
    /**
     * Applies an event.
     *
     * @param state the state before
     * @param event the event
     * @return the state after
     */
    S evolve(S state, RecordedEvent event);
  }

  private final Jdbi jdbi;
  private final StreamReader streams;
  private final Supplier<S> initialState;
  private final Evolver<S> evolver;
  private final SnapshotPolicy<S> snapshots;
  private final @Nullable Cache<String, Loaded<S>> cache;
  private final Timer loadTimer;

  /**
   * Creates the loader and registers its meters.
   *
   * @param jdbi the store's Jdbi
   * @param streams the store's stream reader
   * @param meters where the meters are registered
   * @param streamType the aggregates' stream type
   * @param cacheSize how many states the cache holds, 0 for no cache
   * @param initialState the state before the first event
   * @param evolver applies events
   * @param snapshots the snapshot policy
   */
  public AggregateLoader(
      Jdbi jdbi,
      StreamReader streams,
      MeterRegistry meters,
      String streamType,
      long cacheSize,
      Supplier<S> initialState,
      Evolver<S> evolver,
      SnapshotPolicy<S> snapshots) {
    this.jdbi = jdbi;
    this.streams = streams;
    this.initialState = initialState;
    this.evolver = evolver;
    this.snapshots = snapshots;
    if (cacheSize > 0) {
      this.cache = Caffeine.newBuilder().maximumSize(cacheSize).recordStats().build();
      CaffeineCacheMetrics.monitor(meters, cache, "cairn-aggregates-" + streamType);
    } else {
      this.cache = null;
    }
    this.loadTimer =
        Timer.builder("cairn.aggregate.load")
            .description("Loading an aggregate's state")
            .tag("stream_type", streamType)
            .publishPercentileHistogram()
            .register(meters);
  }

  /**
   * Loads a stream's current state, and snapshots it if the policy asks for it.
   *
   * @param streamId the stream (already checked)
   * @return the state
   */
  public Loaded<S> load(String streamId) {
    long start = System.nanoTime();
    Loaded<S> cached = cache == null ? null : cache.getIfPresent(streamId);
    Loaded<S> loaded;
    int folded;
    if (cache != null && cached != null) {
      List<RecordedEvent> newer =
          jdbi.withHandle(h -> streams.read(h, streamId, cached.version(), Long.MAX_VALUE, Integer.MAX_VALUE));
      loaded = fold(cached, newer);
      folded = newer.size();
      CommandTracing.loadedFrom("cache", folded);
      if (!newer.isEmpty()) {
        cache.put(streamId, loaded);
      }
    } else {
      Folded<S> result = loadFromStore(streamId);
      loaded = result.state();
      folded = (int) (loaded.version() - result.baseVersion());
      CommandTracing.loadedFrom(result.baseVersion() > 0 ? "snapshot" : "events", folded);
      if (cache != null && loaded.exists()) {
        cache.put(streamId, loaded);
      }
    }
    long nanos = System.nanoTime() - start;
    loadTimer.record(Duration.ofNanos(nanos));
    snapshots.afterLoad(loaded, folded, nanos);
    return loaded;
  }

  /** A state loaded from the store, and the version of the snapshot (or 0) it was folded from. */
  private record Folded<S>(Loaded<S> state, long baseVersion) {}

  private Folded<S> loadFromStore(String streamId) {
    return jdbi.withHandle(
        h -> {
          // No transaction needed: events are immutable and a snapshot only ever moves forward,
          // so a snapshot at v plus whatever events follow v is always a valid fold.
          Loaded<S> base = snapshots.find(h, streamId).orElseGet(() -> initial(streamId));
          Loaded<S> state = base;
          for (long after = base.version(); ; ) {
            List<RecordedEvent> page = streams.read(h, streamId, after, Long.MAX_VALUE, PAGE);
            state = fold(state, page);
            if (page.size() < PAGE) {
              break;
            }
            after = state.version();
          }
          return new Folded<>(state, base.version());
        });
  }

  /**
   * Folds a stream's events up to a version, bypassing cache and snapshots.
   *
   * @param streamId the stream (already checked)
   * @param version the version
   * @return the state at that version
   */
  public Loaded<S> loadAt(String streamId, long version) {
    return fold(
        initial(streamId),
        jdbi.withHandle(h -> streams.read(h, streamId, 0, version, Integer.MAX_VALUE)));
  }

  /**
   * Folds a stream's events recorded at or before an instant.
   *
   * @param streamId the stream (already checked)
   * @param instant the instant
   * @return the state then
   */
  public Loaded<S> loadAsOf(String streamId, Instant instant) {
    requireNonNull(instant, "instant");
    return fold(initial(streamId), jdbi.withHandle(h -> streams.readAsOf(h, streamId, instant)));
  }

  /**
   * Caches a state written by this process.
   *
   * @param loaded the state
   */
  public void put(Loaded<S> loaded) {
    if (cache != null) {
      cache.put(loaded.streamId(), loaded);
    }
  }

  /**
   * Drops a stream's cached state.
   *
   * @param streamId the stream
   */
  public void invalidate(String streamId) {
    if (cache != null) {
      cache.invalidate(streamId);
    }
  }

  private Loaded<S> initial(String streamId) {
    return new Loaded<>(streamId, 0, initialState.get());
  }

  private Loaded<S> fold(Loaded<S> from, List<RecordedEvent> events) {
    S state = from.state();
    long version = from.version();
    for (RecordedEvent recorded : events) {
      state = evolver.evolve(state, recorded);
      version = recorded.version();
    }
    return new Loaded<>(from.streamId(), version, state);
  }
}
