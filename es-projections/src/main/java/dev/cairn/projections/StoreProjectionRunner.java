package dev.cairn.projections;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.api.spi.Checks;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.store.jdbc.spi.PositionAheadCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Feeds a projection version from the store's global order; needs no Kafka. Each batch reads
 * after the checkpoint, applies and moves the checkpoint in one transaction, holding the
 * checkpoint row so that a second runner of the same version, or the retirement of the version,
 * cannot interleave. Taking over a checkpoint bumps its generation, and a runner that finds its
 * checkpoint owned by another stops: a zombie never commits. When a {@link KafkaProjectionRunner}
 * of the same version takes the checkpoint over, this runner stops in state {@link
 * RunnerState#HANDED_OVER}, and no store-fed runner of the version starts again.
 */
public final class StoreProjectionRunner extends AbstractRunner {

  private final JdbcEventStore store;
  private final int batchSize;
  private final Duration pollInterval;
  private final boolean listen;
  private JdbcEventStore.@Nullable AppendSubscription notifications;
  private long generation;
  private long lagMeasuredAt = System.nanoTime();
  private final PositionAheadCheck aheadCheck;
  /** The last batch failed as a whole: apply the next one event by event. */
  private boolean applyCarefully;

  private StoreProjectionRunner(Builder b) {
    super(b);
    this.store = b.manager.store();
    this.aheadCheck = new PositionAheadCheck(store, Duration.ofSeconds(5));
    this.batchSize = b.batchSize;
    this.pollInterval = b.pollInterval;
    this.listen = b.listen;
    // The store keeps its listeners for good: hold this runner weakly so a stopped one can go.
    java.lang.ref.WeakReference<StoreProjectionRunner> self = new java.lang.ref.WeakReference<>(this);
    store.addAppendListener(
        r -> {
          StoreProjectionRunner runner = self.get();
          if (runner != null) {
            runner.wake();
          }
        });
  }

  @Override
  void init() {
    manager.requireInstalled(spec);
    if (listen) {
      notifications = store.listenForAppends(this::wake, "cairn-projection-listen-" + spec.name() + "-v" + spec.version());
    }
    // A checkpoint a Kafka runner took over stays with it: the read model has moved past it.
    generation =
        manager.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "INSERT INTO " + manager.sql().checkpoints + " (name, version, tx_id, position, generation, owner)"
                                + " VALUES (:name, :version, 0, 0, 1, :owner) ON CONFLICT (name, version) DO UPDATE"
                                + " SET generation = " + manager.sql().checkpoints + ".generation + 1, owner = :owner,"
                                + " updated_at = now() WHERE " + manager.sql().checkpoints + ".owner <> :handedOver"
                                + " RETURNING generation")
                        .bind("name", spec.name())
                        .bind("version", spec.version())
                        .bind("owner", owner)
                        .bind("handedOver", Sql.HANDED_OVER_OWNER)
                        .mapTo(Long.class)
                        .findOne())
            .orElseThrow(() -> handedOver());
  }

  private Fenced handedOver() {
    return new Fenced(
        "checkpoint of " + spec + " was taken over by a Kafka-fed runner of the same version", RunnerState.HANDED_OVER);
  }

  /** A committed batch; {@code retry} is null if its outcome is complete, {@code lastAppended} if it read nothing. */
  private record Batch(
      int read, BatchApplier.Outcome outcome, GlobalPosition last, @Nullable Instant retry,
      @Nullable Instant lastAppended) {}

  /**
   * Fails the batch, naming the cause, instead of stalling silently when the checkpoint lies
   * beyond anything the database committed (a restore from an older backup, an asynchronous
   * failover: docs/global-order.md). Checked while nothing is read, every few seconds.
   */
  private void checkNotAhead(GlobalPosition checkpoint) {
    // Between checks the last verdict stands: a runner found ahead is never reported caught up.
    Optional<String> ahead = aheadCheck.check(checkpoint, false);
    if (ahead.isPresent()) {
      throw ProjectionException.of("checkpoint of " + spec + ": " + ahead.get());
    }
  }

  @Override
  boolean step() {
    long readStart = System.nanoTime();
    // After a batch failed as a whole, the same batch (same checkpoint, same first events) is
    // read again and applied event by event, each under a savepoint.
    boolean careful = applyCarefully;
    applyCarefully = false;
    Batch batch;
    try {
      batch = readApplyCommit(careful);
    } catch (BatchApplier.WholeBatchFailed failed) {
      applyCarefully = true;
      return true;
    }
    return afterCommit(batch, readStart);
  }

  /** Reads a batch after the checkpoint, applies it and moves the checkpoint, in one transaction. */
  private Batch readApplyCommit(boolean careful) {
    return
        manager.jdbi()
            .inTransaction(
                h -> {
                  // One round trip takes the version's shared lock, then locks the checkpoint row and
                  // tells whether the version has open dead letters (without any, no batch needs to
                  // look for streams waiting behind one).
                  Optional<Checkpoint> row =
                      h.createQuery(
                              CHECKPOINT.formatted(manager.sql().checkpoints, manager.sql().deadLetters, Sql.SHARED_VERSION_LOCK))
                          .bind("lockKey", Sql.lockKey(spec))
                          .bind("name", spec.name())
                          .bind("version", spec.version())
                          .map((rs, ctx) -> new Checkpoint(
                              rs.getLong(1), rs.getString(2), new GlobalPosition(rs.getLong(3), rs.getLong(4)), rs.getBoolean(5)))
                          .findOne();
                  if (row.isPresent() && row.get().owner().equals(Sql.HANDED_OVER_OWNER)) {
                    rejected();
                    throw handedOver();
                  }
                  if (row.isEmpty() || !row.get().owner().equals(owner) || row.get().generation() != generation) {
                    rejected();
                    throw new Fenced(
                        "checkpoint of " + spec + " is now "
                            + row.map(c -> "owned by " + c.owner() + " at generation " + c.generation()).orElse("gone"));
                  }
                  GlobalPosition from = row.get().position();
                  List<RecordedEvent> events = store.readGlobal(h, from, batchSize);
                  if (events.isEmpty()) {
                    return new Batch(0, BatchApplier.Outcome.complete(0, 0, 0), from, null, null);
                  }
                  liveness.oldestUnapplied("global", events.get(0).recordedAt());
                  List<BatchApplier.Item> items = new ArrayList<>(events.size());
                  for (RecordedEvent e : events) {
                    items.add(BatchApplier.Item.of(e));
                  }
                  BatchApplier.Outcome outcome =
                      applier.apply(
                          h, items, row.get().openDeadLetters(),
                          careful ? BatchApplier.Mode.CAREFULLY : BatchApplier.Mode.WHOLE_OR_THROW);
                  // Up to the event to retry, if any: it is read again after the backoff.
                  GlobalPosition last = outcome.handled() == 0 ? from : events.get(outcome.handled() - 1).position();
                  int moved =
                      h.createUpdate(
                              "UPDATE " + manager.sql().checkpoints + " SET tx_id = :tx, position = :pos, updated_at = now()"
                                  + " WHERE name = :name AND version = :version AND generation = :generation AND owner = :owner")
                          .bind("tx", last.txId())
                          .bind("pos", last.position())
                          .bind("name", spec.name())
                          .bind("version", spec.version())
                          .bind("generation", generation)
                          .bind("owner", owner)
                          .execute();
                  if (moved != 1) {
                    // The compare-and-set failed: nothing of the batch may commit.
                    rejected();
                    throw new Fenced("checkpoint of " + spec + " moved to another owner during the batch");
                  }
                  beforeCommit();
                  Instant retry = outcome.isComplete() ? null : events.get(outcome.handled()).recordedAt();
                  return new Batch(events.size(), outcome, last, retry, events.get(events.size() - 1).recordedAt());
                });
  }

  private boolean afterCommit(Batch batch, long readStart) {
    positions.put("global", batch.last().toString());
    if (batch.read() == 0) {
      checkNotAhead(batch.last());
    }
    committed(batch.outcome());
    retrying(!batch.outcome().isComplete(), () -> "an event after " + batch.last() + " failed; retrying");
    if (!batch.outcome().isComplete()) {
      liveness.oldestUnapplied("global", requireNonNull(batch.retry(), "retry")); // set when incomplete
      backOff(batch.outcome().backoff());
      return true;
    }
    if (batch.read() > 0) {
      // More may follow: the next event is at most as old as the last one applied.
      liveness.oldestUnapplied("global", requireNonNull(batch.lastAppended(), "lastAppended")); // set when read
    }
    boolean more = batch.read() == batchSize;
    if (!more) {
      lag("global", 0);
      caughtUp(readStart);
    } else if (System.nanoTime() - lagMeasuredAt > 1_000_000_000L) {
      lagMeasuredAt = System.nanoTime();
      lag("global", store.countAfter(batch.last()));
    }
    return more;
  }

  /**
   * The checkpoint row, locked, and whether the version has open dead letters. Only the runner that
   * holds the row parks events of the version, so none can appear during the batch.
   */
  private record Checkpoint(long generation, String owner, GlobalPosition position, boolean openDeadLetters) {}

  private static final String CHECKPOINT =
      """
      SELECT generation, owner, tx_id, position,
        EXISTS (SELECT 1 FROM %2$s d WHERE d.name = c.name AND d.version = c.version AND d.status IN ('PARKED', 'HELD'))
      FROM %1$s c WHERE %3$s AND c.name = :name AND c.version = :version FOR UPDATE OF c""";

  /**
   * Replays the projection from the start of the global order: empties this version's tables and
   * dead letters and resets the checkpoint, in one transaction with no batch in flight. Other
   * projections are untouched. Readers see the tables refill; to keep serving the old state
   * instead, {@linkplain ProjectionManager#rebuild rebuild} a new version.
   */
  public void replayFromBeginning() {
    replayFrom(GlobalPosition.START);
  }

  /**
   * Replays the projection from after a global position, as {@link #replayFromBeginning()} does.
   *
   * @param after the position after which events are applied again
   */
  public void replayFrom(GlobalPosition after) {
    requireNonNull(after, "after");
    applier.forgetRetries();
    manager.jdbi()
        .useTransaction(
            h -> {
              Sql.lockVersion(h, spec, true);
              manager.sql().truncate(h, spec);
              h.createUpdate(
                      "UPDATE " + manager.sql().checkpoints + " SET tx_id = :tx, position = :pos, updated_at = now()"
                          + " WHERE name = :name AND version = :version")
                  .bind("tx", after.txId())
                  .bind("pos", after.position())
                  .bind("name", spec.name())
                  .bind("version", spec.version())
                  .execute();
            });
    wake();
  }

  @Override
  String replay(java.util.Map<String, Object> arguments) {
    if (arguments.containsKey("offsets")) {
      throw new IllegalArgumentException(
          "runner of " + spec + " reads the store: replay it from a global position or an instant, not from Kafka offsets");
    }
    if (arguments.containsKey("position")) {
      GlobalPosition after = GlobalPosition.parse(String.valueOf(arguments.get("position")));
      replayFrom(after);
      return "replaying from after " + after;
    }
    String from = String.valueOf(arguments.getOrDefault("from", "beginning"));
    if (from.equals("beginning")) {
      replayFromBeginning();
      return "replaying from the beginning";
    }
    Instant at = Instant.parse(from);
    // The last event appended before the instant, in global order: the replay starts after it.
    GlobalPosition after =
        manager.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "SELECT tx_id::text, global_position FROM " + manager.sql().events
                                + " WHERE recorded_at < :at ORDER BY tx_id DESC, global_position DESC LIMIT 1")
                        .bind("at", java.time.OffsetDateTime.ofInstant(at, java.time.ZoneOffset.UTC))
                        .map((rs, ctx) -> new GlobalPosition(Long.parseLong(rs.getString(1)), rs.getLong(2)))
                        .findOne())
            .orElse(GlobalPosition.START);
    replayFrom(after);
    return "replaying from " + at + " (after " + after + ")";
  }

  @Override
  void shutdown() {
    if (notifications != null) {
      notifications.close();
      notifications = null;
    }
  }

  @Override
  Duration pollInterval() {
    return pollInterval;
  }

  @Override
  String source() {
    return "store";
  }

  /** Configures a {@link StoreProjectionRunner}; each setter checks its argument at once. */
  public static final class Builder extends RunnerBuilder<Builder> {
    private int batchSize = 500;
    private Duration pollInterval = Duration.ofMillis(500);
    private boolean listen;

    Builder(Projection projection, ProjectionManager manager) {
      super(projection, manager);
    }

    @Override
    Builder self() {
      return this;
    }

    /**
     * Sets the most events per batch (default 500).
     *
     * @param value positive
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if not positive
     */
    public Builder batchSize(int value) {
      this.batchSize = set.once("batch size", Checks.positive("batch size", value));
      return this;
    }

    /** Sets the batch size unless the caller did: a rebuild's default, larger than a runner's. */
    Builder batchSizeUnlessSet(int value) {
      if (!set.isSet("batch size")) {
        this.batchSize = value;
      }
      return this;
    }

    /**
     * Sets how long an idle runner waits before looking again (default 500 ms); appends through
     * the same store object wake it at once.
     *
     * @param value the interval
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if not positive
     */
    public Builder pollInterval(Duration value) {
      this.pollInterval = set.once("poll interval", Checks.positive("poll interval", value));
      return this;
    }

    /**
     * Wakes the runner on appends made by other processes too (default off), through PostgreSQL
     * LISTEN/NOTIFY on a connection of its own; the appending processes' stores need {@link
     * JdbcEventStoreBuilder#notifyOnAppend}. The poll stays the fallback.
     *
     * @param value true to listen
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder listenForNotifications(boolean value) {
      this.listen = set.once("listen for notifications", value);
      return this;
    }

    /**
     * Builds the runner (not started).
     *
     * @return the runner
     */
    public StoreProjectionRunner build() {
      return new StoreProjectionRunner(this);
    }
  }
}
