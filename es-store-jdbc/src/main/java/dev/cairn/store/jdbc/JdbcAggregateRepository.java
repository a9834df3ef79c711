package dev.cairn.store.jdbc;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.AggregateRepository;
import dev.cairn.api.AppendRequest;
import dev.cairn.api.AppendResult;
import dev.cairn.api.EventIds;
import dev.cairn.api.CommandOptions;
import dev.cairn.api.CommandResult;
import dev.cairn.api.ConcurrencyConflictException;
import dev.cairn.api.Decider;
import dev.cairn.api.EventEnvelope;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.Loaded;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import dev.cairn.api.SerializedEvent;
import dev.cairn.api.spi.Checks;
import dev.cairn.api.spi.SetOnce;
import dev.cairn.store.jdbc.internal.AggregateLoader;
import dev.cairn.store.jdbc.internal.CommandTracing;
import dev.cairn.store.jdbc.internal.IdempotencyKeys;
import dev.cairn.store.jdbc.internal.SnapshotPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;
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
 * <p>A command sent with an idempotency key is matched to the one that first used the key by its
 * stream and by a fingerprint of its content: its simple class name and its canonical JSON (its
 * fields sorted by name, arrays by content, maps and sets sorted), never its {@code toString}. So
 * a re-sent copy holding an equal {@code byte[]} is a duplicate, a command whose {@code toString}
 * redacts but whose content differs is an {@link dev.cairn.api.IdempotencyKeyReusedException},
 * and the command's class may move to another package between deploys (renaming the class itself
 * makes it another command). A command must therefore be writable as JSON by a plain Jackson
 * mapper (a record of values is); otherwise sending it with a key is an {@link
 * IllegalArgumentException}. Keys recorded with the fingerprint of earlier versions (class name and
 * {@code toString}) are still matched the old way.
 *
 * @param <C> the command family
 * @param <S> the state
 * @param <E> the event family
 */
public final class JdbcAggregateRepository<C, S, E> implements AggregateRepository<C, S, E>, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(JdbcAggregateRepository.class);

  private final JdbcEventStore store;
  private final String streamType;
  private final Decider<C, S, E> decider;
  private final EventSerializer serializer;
  private final int maxRetries;
  private final IdempotencyKeys keys;
  private final SnapshotPolicy<S> snapshots;
  private final AggregateLoader<S> loader;
  private final CommandTracing tracing;

  private JdbcAggregateRepository(Builder<C, S, E> b) {
    this.store = b.store;
    this.streamType = b.streamType;
    this.decider = b.decider;
    this.serializer = requireNonNull(b.serializer, "serializer (call serializer(...) on the builder)");
    this.maxRetries = b.maxRetries;
    this.keys = store.idempotencyKeys();
    this.snapshots =
        new SnapshotPolicy<>(
            store.jdbi(), store.tables(), store.meterRegistry(), streamType, serializer,
            b.stateClass, b.stateRevision, b.snapshotEvery, b.snapshotWhenLoadSlowerThan);
    this.loader =
        new AggregateLoader<>(
            store.jdbi(), store.streams(), store.meterRegistry(), streamType, b.cacheSize,
            decider::initialState, (state, recorded) -> decider.evolve(state, event(recorded)), snapshots);
    this.tracing = new CommandTracing(store.openTelemetry(), streamType, store.qualifiedTable("events"));
  }

  @Override
  public CommandResult<E> handle(String streamId, C command, CommandOptions options) {
    Checks.streamId(streamId);
    requireNonNull(command, "command");
    requireNonNull(options, "options");
    try (CommandTracing.Command trace = tracing.start(streamId, command, options.eventMetadata())) {
      try {
        CommandResult<E> result = handle(streamId, command, options, trace);
        trace.succeeded(result.version(), result.duplicate());
        return result;
      } catch (RuntimeException | Error e) {
        trace.failed(e);
        throw e;
      }
    }
  }

  private CommandResult<E> handle(String streamId, C command, CommandOptions options, CommandTracing.Command trace) {
    String keyValue = options.idempotencyKey();
    Key key = keyValue == null ? null : new Key(keyValue, IdempotencyKeys.fingerprint(command));
    if (key != null) {
      Optional<CommandResult<E>> earlier = earlierResult(key, streamId, command);
      if (earlier.isPresent()) {
        return earlier.get();
      }
    }
    for (int attempt = 0; ; attempt++) {
      Loaded<S> loaded = trace.load(() -> loader.load(streamId));
      List<E> events = trace.decide(() -> decider.decide(command, loaded.state()));
      requireNonNull(events, "decider returned null events");
      try {
        return events.isEmpty()
            ? recordNothing(streamId, loaded, key)
            : append(streamId, loaded, events, options, key, trace);
      } catch (ConcurrencyConflictException e) {
        trace.conflict(e, attempt < maxRetries);
        invalidate(streamId);
        if (key != null) {
          // The race may have been with a request carrying the same key.
          Optional<CommandResult<E>> earlier = earlierResult(key, streamId, command);
          if (earlier.isPresent()) {
            return earlier.get();
          }
        }
        if (attempt >= maxRetries) {
          throw e;
        }
        LOG.debug("stream {}: retrying after conflict ({} of {})", streamId, attempt + 1, maxRetries);
      } catch (IdempotencyKeys.KeyAlreadyUsed e) {
        // Another request with the same key committed first: answer as it was answered. Only an
        // append with a key records one, so there is a key.
        Key used = requireNonNull(key, "key");
        return earlierResult(used, streamId, command)
            .orElseThrow(() -> new IllegalStateException("idempotency key " + used.value() + " vanished"));
      }
    }
  }

  private CommandResult<E> append(
      String streamId, Loaded<S> loaded, List<E> events, CommandOptions options, @Nullable Key key,
      CommandTracing.Command trace) {
    List<NewEvent> newEvents = new ArrayList<>(events.size());
    EventMetadata metadata = trace.metadata(options.eventMetadata());
    for (E event : events) {
      requireNonNull(event, "decider returned a null event");
      SerializedEvent s = serializer.serialize(event);
      newEvents.add(
          new NewEvent(EventIds.next(), s.eventType(), s.revision(), s.json(), metadata));
    }
    AppendRequest request = new AppendRequest(streamId, streamType, loaded.version(), newEvents);
    long from = loaded.version() + 1;
    long to = loaded.version() + events.size();
    AppendResult result =
        trace.append(
            loaded.version(), newEvents.size(),
            () -> store.appender().append(request, key == null ? null : h -> recordKey(h, key, streamId, from, to)));
    S state = loaded.state();
    List<EventEnvelope<E>> envelopes = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      state = decider.evolve(state, events.get(i));
      envelopes.add(EventEnvelope.of(result.events().get(i), events.get(i)));
    }
    Loaded<S> after = new Loaded<>(streamId, result.version(), state);
    loader.put(after);
    snapshots.afterAppend(loaded.version(), after);
    return new CommandResult<>(streamId, result.version(), envelopes, false);
  }

  private CommandResult<E> recordNothing(String streamId, Loaded<S> loaded, @Nullable Key key) {
    if (key != null) {
      store.jdbi().useTransaction(h -> recordKey(h, key, streamId, loaded.version() + 1, loaded.version()));
    }
    return new CommandResult<>(streamId, loaded.version(), List.of(), false);
  }

  private void recordKey(Handle h, Key key, String streamId, long from, long to) {
    keys.record(h, key.value(), streamId, key.commandHash(), from, to);
  }

  private Optional<CommandResult<E>> earlierResult(Key key, String streamId, C command) {
    return keys.find(key.value(), streamId, key.commandHash(), command)
        .map(earlier -> new CommandResult<>(streamId, earlier.version(), envelopes(earlier.events()), true));
  }

  /** A command's idempotency key, and the fingerprint of the command's content it is sent with. */
  private record Key(String value, String commandHash) {}

  @Override
  public Loaded<S> load(String streamId) {
    Checks.streamId(streamId);
    return loader.load(streamId);
  }

  @Override
  public Loaded<S> loadAt(String streamId, long version) {
    Checks.streamId(streamId);
    Checks.version("version", version);
    return loader.loadAt(streamId, version);
  }

  @Override
  public Loaded<S> loadAsOf(String streamId, Instant instant) {
    Checks.streamId(streamId);
    return loader.loadAsOf(streamId, instant);
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
    loader.invalidate(streamId);
  }

  /**
   * Waits until every queued snapshot has been written; for tests and orderly shutdown.
   */
  public void flushSnapshots() {
    snapshots.flush();
  }

  /** Stops the snapshot writer after the queued snapshots are written. */
  @Override
  public void close() {
    snapshots.close();
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

  /**
   * Configures a {@link JdbcAggregateRepository}; every setter checks its argument at once and
   * refuses a second call, naming the value set first.
   *
   * @param <C> the command family
   * @param <S> the state
   * @param <E> the event family
   */
  public static final class Builder<C, S, E> {
    private final JdbcEventStore store;
    private final String streamType;
    private final Decider<C, S, E> decider;
    private final SetOnce set = new SetOnce();
    private @Nullable EventSerializer serializer;
    private int maxRetries = 3;
    private long cacheSize = 10_000;
    private @Nullable Class<S> stateClass;
    private int stateRevision;
    private int snapshotEvery = 100;
    private @Nullable Duration snapshotWhenLoadSlowerThan;

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
     * @throws IllegalStateException if already set
     */
    public Builder<C, S, E> serializer(EventSerializer value) {
      this.serializer = set.once("serializer", value);
      return this;
    }

    /**
     * Sets how many times a command is retried after losing a race (default 3).
     *
     * @param value 0 or more
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if negative
     */
    public Builder<C, S, E> maxRetries(int value) {
      if (value < 0) {
        throw new IllegalArgumentException("max retries must be >= 0 but was " + value);
      }
      this.maxRetries = set.once("max retries", value);
      return this;
    }

    /**
     * Sets how many aggregates the cache holds (default 10,000; 0 turns it off).
     *
     * @param value 0 or more
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if negative
     */
    public Builder<C, S, E> cacheSize(long value) {
      if (value < 0) {
        throw new IllegalArgumentException("cache size must be >= 0 but was " + value);
      }
      this.cacheSize = set.once("cache size", value);
      return this;
    }

    /**
     * Turns snapshots on, for a state record serialized as JSON. Bump the revision whenever the
     * state's shape or the decider's evolve changes meaning: snapshots of another revision are
     * ignored and the state is rebuilt from events. A snapshot of the current revision that no
     * longer reads (a forgotten bump) is ignored the same way, counted in {@code
     * cairn.snapshots.ignored} with reason {@code unreadable}, and replaced by the next snapshot.
     *
     * @param type the state's class
     * @param revision the state's current revision, from 1
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if the revision is below 1
     */
    public Builder<C, S, E> snapshots(Class<S> type, int revision) {
      requireNonNull(type, "type");
      if (revision < 1) {
        throw new IllegalArgumentException("state revision must be >= 1 but was " + revision);
      }
      set.once("snapshots", type.getName() + " revision " + revision);
      this.stateClass = type;
      this.stateRevision = revision;
      return this;
    }

    /**
     * Sets how many events may accumulate past the last snapshot before another is taken (default
     * 100).
     *
     * @param events more than 0
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if not positive
     */
    public Builder<C, S, E> snapshotEvery(int events) {
      this.snapshotEvery = set.once("snapshot interval", Checks.positive("snapshot interval", events));
      return this;
    }

    /**
     * Also takes a snapshot when loading an aggregate took longer than a bound (default off).
     *
     * @param bound the load time that calls for a snapshot, zero or more
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if negative
     */
    public Builder<C, S, E> snapshotWhenLoadSlowerThan(Duration bound) {
      this.snapshotWhenLoadSlowerThan =
          set.once("snapshot load bound", Checks.notNegative("snapshot load bound", bound));
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
