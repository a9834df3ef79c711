package dev.cairn.store.jdbc;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.cairn.api.AggregateRepository;
import dev.cairn.api.AppendRequest;
import dev.cairn.api.AppendResult;
import dev.cairn.api.CommandOptions;
import dev.cairn.api.CommandResult;
import dev.cairn.api.ConcurrencyConflictException;
import dev.cairn.api.Decider;
import dev.cairn.api.EventEnvelope;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.EventStoreException;
import dev.cairn.api.IdempotencyKeyReusedException;
import dev.cairn.api.Loaded;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import dev.cairn.api.SerializedEvent;
import dev.cairn.api.spi.Checks;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs commands against the aggregates of one stream type on a {@link JdbcEventStore}: loads
 * state (from the cache, or a snapshot and the newer events), decides, appends with the loaded
 * version as the expected one, and retries a bounded number of times when another writer wins.
 *
 * <p>The cache holds {@code (version, state)} and is always refreshed with the events newer than
 * its version, so several service instances writing the same streams stay correct. States must
 * be immutable.
 *
 * @param <C> the command family
 * @param <S> the state
 * @param <E> the event family
 */
public final class JdbcAggregateRepository<C, S, E> implements AggregateRepository<C, S, E>, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(JdbcAggregateRepository.class);
  private static final int PAGE = 1000;

  private final JdbcEventStore store;
  private final String streamType;
  private final Decider<C, S, E> decider;
  private final EventSerializer serializer;
  private final int maxRetries;
  private final Cache<String, Loaded<S>> cache;
  private final Snapshots snapshots;
  private final Class<S> stateClass;
  private final String stateType;
  private final int stateRevision;
  private final int snapshotEvery;
  private final Duration snapshotWhenLoadSlowerThan;
  private final Timer loadTimer;
  private final String idempotencyTable;

  private JdbcAggregateRepository(Builder<C, S, E> b) {
    this.store = b.store;
    this.streamType = b.streamType;
    this.decider = b.decider;
    this.serializer = requireNonNull(b.serializer, "serializer (call serializer(...) on the builder)");
    this.maxRetries = b.maxRetries;
    this.stateClass = b.stateClass;
    this.stateType = b.stateClass == null ? null : b.stateClass.getName();
    this.stateRevision = b.stateRevision;
    this.snapshotEvery = b.snapshotEvery;
    this.snapshotWhenLoadSlowerThan = b.snapshotWhenLoadSlowerThan;
    this.idempotencyTable = store.tables().idempotencyKeys;
    MeterRegistry meters = store.meterRegistry();
    if (b.cacheSize > 0) {
      this.cache = Caffeine.newBuilder().maximumSize(b.cacheSize).recordStats().build();
      CaffeineCacheMetrics.monitor(meters, cache, "cairn-aggregates-" + streamType);
    } else {
      this.cache = null;
    }
    this.snapshots =
        b.stateClass == null ? null : new Snapshots(store.jdbi(), store.tables().snapshots, meters, streamType);
    this.loadTimer =
        Timer.builder("cairn.aggregate.load")
            .description("Loading an aggregate's state")
            .tag("stream_type", streamType)
            .publishPercentileHistogram()
            .register(meters);
  }

  @Override
  public CommandResult<E> handle(String streamId, C command, CommandOptions options) {
    Checks.streamId(streamId);
    requireNonNull(command, "command");
    requireNonNull(options, "options");
    String key = options.idempotencyKey();
    String commandHash = key == null ? null : fingerprint(command);
    if (key != null) {
      Optional<CommandResult<E>> earlier = earlierResult(key, streamId, commandHash);
      if (earlier.isPresent()) {
        return earlier.get();
      }
    }
    for (int attempt = 0; ; attempt++) {
      Loaded<S> loaded = load(streamId);
      List<E> events = decider.decide(command, loaded.state());
      requireNonNull(events, "decider returned null events");
      try {
        return events.isEmpty()
            ? recordNothing(streamId, loaded, key, commandHash)
            : append(streamId, loaded, events, options, key, commandHash);
      } catch (ConcurrencyConflictException e) {
        invalidate(streamId);
        if (key != null) {
          // The race may have been with a request carrying the same key.
          Optional<CommandResult<E>> earlier = earlierResult(key, streamId, commandHash);
          if (earlier.isPresent()) {
            return earlier.get();
          }
        }
        if (attempt >= maxRetries) {
          throw e;
        }
        LOG.debug("stream {}: retrying after conflict ({} of {})", streamId, attempt + 1, maxRetries);
      } catch (KeyAlreadyUsed e) {
        // Another request with the same key committed first: answer as it was answered.
        return earlierResult(key, streamId, commandHash)
            .orElseThrow(() -> new IllegalStateException("idempotency key " + key + " vanished"));
      }
    }
  }

  private CommandResult<E> append(
      String streamId, Loaded<S> loaded, List<E> events, CommandOptions options, String key, String hash) {
    List<NewEvent> newEvents = new ArrayList<>(events.size());
    for (E event : events) {
      requireNonNull(event, "decider returned a null event");
      SerializedEvent s = serializer.serialize(event);
      newEvents.add(
          new NewEvent(UUID.randomUUID(), s.eventType(), s.revision(), s.json(), options.eventMetadata()));
    }
    AppendRequest request = new AppendRequest(streamId, streamType, loaded.version(), newEvents);
    AppendResult result =
        store.appendWithKey(request, key == null ? null : h -> insertKey(h, key, streamId, hash, loaded.version() + 1, loaded.version() + events.size()));
    S state = loaded.state();
    List<EventEnvelope<E>> envelopes = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      state = decider.evolve(state, events.get(i));
      envelopes.add(EventEnvelope.of(result.events().get(i), events.get(i)));
    }
    Loaded<S> after = new Loaded<>(streamId, result.version(), state);
    if (cache != null) {
      cache.put(streamId, after);
    }
    if (snapshots != null && result.version() / snapshotEvery > loaded.version() / snapshotEvery) {
      snapshot(after);
    }
    return new CommandResult<>(streamId, result.version(), envelopes, false);
  }

  private CommandResult<E> recordNothing(String streamId, Loaded<S> loaded, String key, String hash) {
    if (key != null) {
      store.jdbi().useTransaction(h -> insertKey(h, key, streamId, hash, loaded.version() + 1, loaded.version()));
    }
    return new CommandResult<>(streamId, loaded.version(), List.of(), false);
  }

  private void insertKey(Handle h, String key, String streamId, String hash, long from, long to) {
    try {
      h.createUpdate(
              "INSERT INTO " + idempotencyTable
                  + " (idempotency_key, stream_id, command_hash, from_version, to_version)"
                  + " VALUES (:key, :stream, :hash, :from, :to)")
          .bind("key", key)
          .bind("stream", streamId)
          .bind("hash", hash)
          .bind("from", from)
          .bind("to", to)
          .execute();
    } catch (RuntimeException e) {
      if (JdbcEventStore.isUniqueViolation(e, "idempotency_keys_pkey")) {
        throw new KeyAlreadyUsed();
      }
      throw e;
    }
  }

  private Optional<CommandResult<E>> earlierResult(String key, String streamId, String hash) {
    return store
        .jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "SELECT stream_id, command_hash, from_version, to_version FROM " + idempotencyTable
                            + " WHERE idempotency_key = :key")
                    .bind("key", key)
                    .map(
                        (rs, ctx) -> {
                          String firstStream = rs.getString("stream_id");
                          if (!firstStream.equals(streamId)) {
                            throw IdempotencyKeyReusedException.otherStream(key, firstStream, streamId);
                          }
                          if (!rs.getString("command_hash").equals(hash)) {
                            throw IdempotencyKeyReusedException.otherCommand(key, streamId);
                          }
                          long from = rs.getLong("from_version");
                          long to = rs.getLong("to_version");
                          List<EventEnvelope<E>> events =
                              to < from ? List.of() : envelopes(store.readStream(h, streamId, from - 1, to, Integer.MAX_VALUE));
                          return new CommandResult<>(streamId, to < from ? from - 1 : to, events, true);
                        })
                    .findOne());
  }

  @Override
  public Loaded<S> load(String streamId) {
    Checks.streamId(streamId);
    long start = System.nanoTime();
    Loaded<S> cached = cache == null ? null : cache.getIfPresent(streamId);
    Loaded<S> loaded;
    int folded;
    if (cached != null) {
      List<RecordedEvent> newer = store.readStream(streamId, cached.version(), Long.MAX_VALUE, Integer.MAX_VALUE);
      loaded = fold(cached, newer);
      folded = newer.size();
      if (!newer.isEmpty()) {
        cache.put(streamId, loaded);
      }
    } else {
      Folded<S> result = loadFromStore(streamId);
      loaded = result.state();
      folded = (int) (loaded.version() - result.baseVersion());
      if (cache != null && loaded.exists()) {
        cache.put(streamId, loaded);
      }
    }
    long nanos = System.nanoTime() - start;
    loadTimer.record(Duration.ofNanos(nanos));
    if (snapshots != null
        && loaded.exists()
        && (folded >= snapshotEvery
            || (folded > 0 && snapshotWhenLoadSlowerThan != null && nanos > snapshotWhenLoadSlowerThan.toNanos()))) {
      snapshot(loaded);
    }
    return loaded;
  }

  /** A state loaded from the store, and the version of the snapshot (or 0) it was folded from. */
  private record Folded<S>(Loaded<S> state, long baseVersion) {}

  private Folded<S> loadFromStore(String streamId) {
    return store
        .jdbi()
        .withHandle(
            h -> {
              // No transaction needed: events are immutable and a snapshot only ever moves
              // forward, so a snapshot at v plus whatever events follow v is always a valid fold.
              Loaded<S> base = new Loaded<>(streamId, 0, decider.initialState());
              if (snapshots != null) {
                Optional<Snapshots.Stored> snap = snapshots.find(h, streamId);
                if (snap.isPresent() && isCurrent(snap.get())) {
                  base = new Loaded<>(streamId, snap.get().version(), serializer.readState(snap.get().payload(), stateClass));
                } else if (snap.isPresent()) {
                  LOG.debug(
                      "stream {}: ignoring snapshot of {} revision {}; current is {} revision {}",
                      streamId, snap.get().stateType(), snap.get().stateRevision(), stateType, stateRevision);
                }
              }
              Loaded<S> state = base;
              for (long after = base.version(); ; ) {
                List<RecordedEvent> page = store.readStream(h, streamId, after, Long.MAX_VALUE, PAGE);
                state = fold(state, page);
                if (page.size() < PAGE) {
                  break;
                }
                after = state.version();
              }
              return new Folded<>(state, base.version());
            });
  }

  private boolean isCurrent(Snapshots.Stored snapshot) {
    return snapshot.stateType().equals(stateType) && snapshot.stateRevision() == stateRevision;
  }

  @Override
  public Loaded<S> loadAt(String streamId, long version) {
    Checks.streamId(streamId);
    Checks.version("version", version);
    Loaded<S> initial = new Loaded<>(streamId, 0, decider.initialState());
    return fold(initial, store.readStream(streamId, 0, version, Integer.MAX_VALUE));
  }

  @Override
  public Loaded<S> loadAsOf(String streamId, Instant instant) {
    Checks.streamId(streamId);
    Loaded<S> initial = new Loaded<>(streamId, 0, decider.initialState());
    return fold(initial, store.readStreamAsOf(streamId, instant));
  }

  @Override
  public List<EventEnvelope<E>> history(String streamId) {
    Checks.streamId(streamId);
    return envelopes(store.readStream(streamId, 0, Long.MAX_VALUE, Integer.MAX_VALUE));
  }

  /**
   * Drops a stream's cached state; the next load reads the store.
   *
   * @param streamId the stream
   */
  public void invalidate(String streamId) {
    if (cache != null) {
      cache.invalidate(streamId);
    }
  }

  /**
   * Waits until every queued snapshot has been written; for tests and orderly shutdown.
   */
  public void flushSnapshots() {
    if (snapshots != null) {
      snapshots.flush();
    }
  }

  /** Stops the snapshot writer after the queued snapshots are written. */
  @Override
  public void close() {
    if (snapshots != null) {
      snapshots.close();
    }
  }

  private void snapshot(Loaded<S> loaded) {
    S state = loaded.state();
    snapshots.writeLater(loaded.streamId(), loaded.version(), stateType, stateRevision, () -> serializer.writeState(state));
  }

  private Loaded<S> fold(Loaded<S> from, List<RecordedEvent> events) {
    S state = from.state();
    long version = from.version();
    for (RecordedEvent recorded : events) {
      state = decider.evolve(state, event(recorded));
      version = recorded.version();
    }
    return new Loaded<>(from.streamId(), version, state);
  }

  private List<EventEnvelope<E>> envelopes(List<RecordedEvent> recorded) {
    List<EventEnvelope<E>> out = new ArrayList<>(recorded.size());
    for (RecordedEvent r : recorded) {
      out.add(EventEnvelope.of(r, event(r)));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private E event(RecordedEvent recorded) {
    return (E) serializer.deserialize(recorded);
  }

  private static String fingerprint(Object command) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(command.getClass().getName().getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      // Commands are records, whose toString is a deterministic rendering of every component.
      sha.update(command.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw EventStoreException.of("computing a command fingerprint", e);
    }
  }

  /** Thrown inside the append transaction when the idempotency key is already taken. */
  private static final class KeyAlreadyUsed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    KeyAlreadyUsed() {
      super(null, null, false, false);
    }
  }

  /**
   * Configures a {@link JdbcAggregateRepository}; every setter checks its argument at once.
   *
   * @param <C> the command family
   * @param <S> the state
   * @param <E> the event family
   */
  public static final class Builder<C, S, E> {
    private final JdbcEventStore store;
    private final String streamType;
    private final Decider<C, S, E> decider;
    private EventSerializer serializer;
    private int maxRetries = 3;
    private long cacheSize = 10_000;
    private Class<S> stateClass;
    private int stateRevision;
    private int snapshotEvery = 100;
    private Duration snapshotWhenLoadSlowerThan;

    Builder(JdbcEventStore store, String streamType, Decider<C, S, E> decider) {
      this.store = store;
      this.streamType = streamType;
      this.decider = requireNonNull(decider, "decider");
    }

    /**
     * Sets the serializer of the events (required).
     *
     * @param value the serializer
     * @return this builder
     */
    public Builder<C, S, E> serializer(EventSerializer value) {
      this.serializer = requireNonNull(value, "serializer");
      return this;
    }

    /**
     * Sets how many times a command is retried after losing a race (default 3).
     *
     * @param value 0 or more
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder<C, S, E> maxRetries(int value) {
      if (value < 0) {
        throw new IllegalArgumentException("max retries must be >= 0 but was " + value);
      }
      this.maxRetries = value;
      return this;
    }

    /**
     * Sets how many aggregates the cache holds (default 10,000; 0 turns it off).
     *
     * @param value 0 or more
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder<C, S, E> cacheSize(long value) {
      if (value < 0) {
        throw new IllegalArgumentException("cache size must be >= 0 but was " + value);
      }
      this.cacheSize = value;
      return this;
    }

    /**
     * Turns snapshots on, for a state record serialized as JSON. Bump the revision whenever the
     * state's shape or the decider's evolve changes meaning: snapshots of another revision are
     * ignored and the state is rebuilt from events.
     *
     * @param type the state's class
     * @param revision the state's current revision, from 1
     * @return this builder
     * @throws IllegalArgumentException if the revision is below 1
     */
    public Builder<C, S, E> snapshots(Class<S> type, int revision) {
      this.stateClass = requireNonNull(type, "type");
      if (revision < 1) {
        throw new IllegalArgumentException("state revision must be >= 1 but was " + revision);
      }
      this.stateRevision = revision;
      return this;
    }

    /**
     * Sets how many events may accumulate past the last snapshot before another is taken (default
     * 100).
     *
     * @param events more than 0
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder<C, S, E> snapshotEvery(int events) {
      this.snapshotEvery = Checks.positive("snapshot interval", events);
      return this;
    }

    /**
     * Also takes a snapshot when loading an aggregate took longer than a bound (default off).
     *
     * @param bound the load time that calls for a snapshot
     * @return this builder
     */
    public Builder<C, S, E> snapshotWhenLoadSlowerThan(Duration bound) {
      this.snapshotWhenLoadSlowerThan = requireNonNull(bound, "bound");
      return this;
    }

    /**
     * Builds the repository.
     *
     * @return the repository
     * @throws NullPointerException if no serializer was set
     */
    public JdbcAggregateRepository<C, S, E> build() {
      return new JdbcAggregateRepository<>(this);
    }
  }
}
