package dev.cairn.workflows;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.AggregateRepository;
import dev.cairn.api.CommandRejectedException;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.spi.Checks;
import dev.cairn.api.spi.SetOnce;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.ProjectionSpec;
import dev.cairn.projections.ReadModel;
import dev.cairn.projections.StoreProjectionRunner;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.workflows.internal.DeadlineScheduler;
import dev.cairn.workflows.internal.Deadlines;
import dev.cairn.workflows.internal.Dispatcher;
import dev.cairn.workflows.internal.ProcessLog;
import dev.cairn.workflows.internal.ProcessProjection;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link ProcessManager}: its process projection on a projection runner, the dispatch of
 * its commands, and its durable deadlines.
 *
 * <pre>{@code
 * Workflow<Checkout> checkout = Workflow.builder("checkout", new CheckoutProcess(), Checkout.class)
 *     .store(store).projections(projections).serializer(serializer)
 *     .follow(OrderEvent.class, InventoryEvent.class, PaymentEvent.class)
 *     .target("inventory", inventory).target("payment", payments).target("order", orders)
 *     .build();
 * checkout.migrate();
 * checkout.start();   // a store-fed runner and the deadline scheduler
 * }</pre>
 *
 * <p><b>One order per instance.</b> Every input of a process instance (an event it follows, a
 * deadline's firing, the refusal of one of its commands) is first recorded in the instance's own
 * stream (type = the workflow's name, id = {@code <name>:<process id>}); the instance handles its
 * inputs in that stream's order, one at a time. Two inputs that meet (a payment authorized as its
 * deadline fires) are ordered by the append that recorded them, and the second is handled in the
 * state the first left. This holds whether the projection is fed from the store's global order or
 * from Kafka (one stream is one key, so one partition).
 *
 * <p><b>Exactly once in effect.</b> The state, the history, the deadlines the process schedules or
 * cancels and the runner's checkpoint commit in one transaction. Commands go through their
 * aggregates' repositories with an idempotency key derived from (process id, triggering input id,
 * action index), and inputs are recorded with a key derived from their own id, so a crash between
 * a dispatch and the checkpoint re-sends nothing in effect. A command refused by its aggregate (a
 * {@link CommandRejectedException}, by default) becomes an input; any other failure is retried
 * with backoff and then parked by the runner's failure policy, and can be retried or skipped from
 * the projection's dead letters. Commands carry the triggering input's correlation id and
 * traceparent; their events' causation id is the triggering input's id (the source event's, or
 * the deadline's).
 *
 * <p><b>Deadlines</b> live in PostgreSQL ({@code <prefix>workflow_deadlines}) and are fired by any
 * instance that runs {@link #startDeadlines()}: rows are claimed with {@code FOR UPDATE SKIP
 * LOCKED}, the firing is recorded in the process stream under a key derived from the deadline id,
 * so each fires once in effect, and a deadline that fell due while no instance ran fires at start.
 */
public final class Workflow<S> implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Workflow.class);

  /** The Flyway location of the module's migrations. */
  static final String MIGRATIONS = "classpath:dev/cairn/workflows/migration";

  private final String name;
  private final JdbcEventStore store;
  private final ProjectionManager projections;
  private final Consumer<StoreProjectionRunner.Builder> runnerConfig;
  private final ProcessLog log;
  private final Deadlines deadlines;
  private final DeadlineScheduler scheduler;
  private final ProcessProjection<S> projection;
  private final Class<S> stateType;
  private final EventSerializer serializer;
  private @Nullable StoreProjectionRunner runner;

  private Workflow(Builder<S> b) {
    this.name = b.name;
    this.store = requireNonNull(b.store, "store (call store(...) on the builder)");
    this.projections = requireNonNull(b.projections, "projections (call projections(...) on the builder)");
    this.serializer = requireNonNull(b.serializer, "serializer (call serializer(...) on the builder)");
    if (!serializer.isRegistered(ProcessRecord.Received.class)) {
      throw new IllegalArgumentException(
          "workflow " + name + ": the serializer does not know the process records; register them with"
              + " ProcessRecord.register(registryBuilder)");
    }
    if (b.follows.isEmpty()) {
      throw new IllegalArgumentException("workflow " + name + " follows no event class: call follow(...)");
    }
    this.stateType = b.stateType;
    this.runnerConfig = b.runnerConfig;
    Set<String> types = new LinkedHashSet<>(List.of(ProcessRecord.Received.TYPE, ProcessRecord.Fired.TYPE, ProcessRecord.Refused.TYPE));
    for (Class<?> c : b.follows) {
      Set<String> names =
          serializer.eventTypesOf(c)
              .orElseThrow(() -> new IllegalArgumentException(
                  "workflow " + name + ": the serializer cannot name the event types of " + c.getName()));
      if (names.isEmpty()) {
        throw new IllegalArgumentException(
            "workflow " + name + " follows " + c.getName() + " but no event type is registered for it or a subtype");
      }
      types.addAll(names);
    }
    this.log = new ProcessLog(name, store, serializer);
    this.deadlines = new Deadlines(store.jdbi(), store.tables().qualified("workflow_deadlines"), name);
    this.scheduler =
        new DeadlineScheduler(name, deadlines, log, b.deadlinePoll, b.deadlineAttempts, store.meterRegistry());
    Dispatcher dispatcher = new Dispatcher(name, b.targets, b.refusal, store.meterRegistry());
    this.projection =
        new ProcessProjection<>(
            new ProjectionSpec(name, b.version, types), b.manager, stateType, serializer, log, dispatcher, deadlines,
            scheduler::wake);
  }

  /**
   * Starts a builder.
   *
   * @param name the workflow's name: it names its projection (tables {@code <name>_v<version>} and
   *     {@code <name>_history_v<version>}), its process streams' type and its deadlines; matches
   *     {@code [a-z_][a-z0-9_]*}, at most 40 characters
   * @param manager the process manager
   * @param stateType the class of its state (stored as JSON through the serializer)
   * @param <S> the state
   * @return the builder
   * @throws IllegalArgumentException if the name breaks its rule
   */
  public static <S> Builder<S> builder(String name, ProcessManager<S> manager, Class<S> stateType) {
    return new Builder<>(name, manager, stateType);
  }

  /**
   * Creates or upgrades the module's table (the deadlines), with Flyway and a history table of its
   * own ({@code <prefix>cairn_workflows_schema_history}), installs the process projection and
   * registers the workflow (for {@link WorkflowCatalog}).
   */
  public void migrate() {
    store.migrate(MIGRATIONS, store.tables().prefixed("cairn_workflows_schema_history"));
    projections.install(projection);
    WorkflowCatalog.register(store, name, projection.spec().version());
  }

  /**
   * Returns the process manager as a projection, for a runner started elsewhere (a {@link
   * dev.cairn.projections.KafkaProjectionRunner}, say). Its event types are those of the followed
   * classes and the three process records, so a Kafka runner consumes the followed aggregates'
   * topics and the topic of the workflow's own process streams (stream type = the workflow's name);
   * call {@link #startDeadlines()} beside it.
   *
   * @return the projection
   */
  public Projection projection() {
    return projection;
  }

  /**
   * Starts a store-fed runner of the process projection and the deadline scheduler.
   *
   * @throws IllegalStateException if it was started already
   */
  public synchronized void start() {
    if (runner != null) {
      throw new IllegalStateException("workflow " + name + " was started already");
    }
    StoreProjectionRunner.Builder rb = projections.storeRunner(projection);
    runnerConfig.accept(rb);
    runner = rb.build();
    runner.start();
    startDeadlines();
    LOG.info("workflow {} started", name);
  }

  /** Starts only the deadline scheduler (when the projection runs on a runner started elsewhere). */
  public void startDeadlines() {
    scheduler.start();
  }

  /**
   * Returns the store-fed runner this object started, if any.
   *
   * @return the runner
   */
  public synchronized Optional<StoreProjectionRunner> runner() {
    return Optional.ofNullable(runner);
  }

  /**
   * Waits until the runner has handled everything written before the call.
   *
   * @param timeout the longest wait
   * @return true if caught up
   * @throws IllegalStateException if this object runs no runner
   */
  public boolean awaitCaughtUp(Duration timeout) {
    return runner().orElseThrow(() -> new IllegalStateException("workflow " + name + " runs no runner")).awaitCaughtUp(timeout);
  }

  /**
   * Fires the due deadlines now, on the caller's thread (as the scheduler's next round would).
   *
   * @return how many were claimed
   */
  public int fireDueDeadlines() {
    return scheduler.fireRound();
  }

  /**
   * Returns what the workflow is doing: its runner's status and its deadlines by state.
   *
   * @return the status
   */
  public WorkflowStatus status() {
    StoreProjectionRunner r = runner().orElse(null);
    return new WorkflowStatus(
        name, r == null ? null : r.status(), deadlines.counts(), scheduler.running(), scheduler.lastError());
  }

  /**
   * Reads a process instance's state as last committed.
   *
   * @param processId the instance
   * @return its state, or empty if it has handled no input
   */
  public Optional<S> state(String processId) {
    ReadModel model = projections.readModel(projection.spec());
    return store.jdbi()
        .withHandle(
            h -> h.createQuery("SELECT state::text FROM " + model.view() + " WHERE process_id = :p")
                .bind("p", processId)
                .mapTo(String.class)
                .findOne())
        .map(json -> serializer.readState(json, stateType));
  }

  /**
   * Reads the inputs a process instance handled, in order, with what it did about each.
   *
   * @param processId the instance
   * @return its history
   */
  public List<HistoryEntry> history(String processId) {
    ReadModel model = projections.readModel(projection.spec());
    return store.jdbi()
        .withHandle(
            h -> h.createQuery(
                    "SELECT seq, input, detail, actions, at FROM " + model.view("history")
                        + " WHERE process_id = :p ORDER BY seq")
                .bind("p", processId)
                .map(
                    (rs, ctx) ->
                        new HistoryEntry(
                            rs.getLong(1), rs.getString(2), rs.getString(3),
                            Arrays.asList((String[]) rs.getArray(4).getArray()), rs.getTimestamp(5).toInstant()))
                .list());
  }

  /**
   * Lists a process instance's deadlines.
   *
   * @param processId the instance
   * @return its deadlines, by due time
   */
  public List<DeadlineView> deadlines(String processId) {
    return deadlines.of(processId);
  }

  /**
   * Puts the deadlines that failed to fire back to pending; the scheduler fires them at once.
   *
   * @return how many
   */
  public int retryFailedDeadlines() {
    int n = deadlines.retryFailed();
    scheduler.wake();
    return n;
  }

  /**
   * Returns the stream id of a process instance's own stream.
   *
   * @param processId the instance
   * @return {@code <name>:<process id>}
   */
  public String streamId(String processId) {
    return log.streamId(processId);
  }

  /**
   * Returns the workflow's name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /** Stops the runner and the scheduler this object started. */
  @Override
  public synchronized void close() {
    scheduler.close();
    if (runner != null) {
      runner.close();
    }
    log.close();
  }

  /**
   * Configures a {@link Workflow}; each setter checks its argument at once and refuses a second call.
   *
   * @param <S> the process state
   */
  public static final class Builder<S> {
    private final String name;
    private final ProcessManager<S> manager;
    private final Class<S> stateType;
    private final SetOnce set = new SetOnce();
    private @Nullable JdbcEventStore store;
    private @Nullable ProjectionManager projections;
    private @Nullable EventSerializer serializer;
    private int version = 1;
    private final Set<Class<?>> follows = new LinkedHashSet<>();
    private final Map<String, AggregateRepository<Object, ?, ?>> targets = new LinkedHashMap<>();
    private Predicate<RuntimeException> refusal = e -> e instanceof CommandRejectedException;
    private Duration deadlinePoll = Duration.ofSeconds(1);
    private int deadlineAttempts = 10;
    private Consumer<StoreProjectionRunner.Builder> runnerConfig = r -> {};

    private Builder(String name, ProcessManager<S> manager, Class<S> stateType) {
      Checks.sqlIdentifier("workflow name", name);
      if (name.length() > 40) {
        throw new IllegalArgumentException("workflow name must be at most 40 characters but was " + name.length() + ": " + name);
      }
      this.name = name;
      this.manager = requireNonNull(manager, "manager");
      this.stateType = requireNonNull(stateType, "stateType");
    }

    /**
     * Sets the event store (required).
     *
     * @param value the store
     * @return this builder
     * @throws IllegalStateException if set already
     */
    public Builder<S> store(JdbcEventStore value) {
      this.store = set.once("store", value);
      return this;
    }

    /**
     * Sets the projection manager whose runners run the workflow (required).
     *
     * @param value the manager
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder<S> projections(ProjectionManager value) {
      this.projections = set.once("projection manager", value);
      return this;
    }

    /**
     * Sets the serializer: the one the projection manager was created with, with the process
     * records {@linkplain ProcessRecord#register registered} (required).
     *
     * @param value the serializer
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder<S> serializer(EventSerializer value) {
      this.serializer = set.once("serializer", value);
      return this;
    }

    /**
     * Sets the version of the process projection (default 1).
     *
     * @param value from 1
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if below 1
     */
    public Builder<S> version(int value) {
      this.version = set.once("workflow version", Checks.positive("workflow version", value));
      return this;
    }

    /**
     * Adds event classes (or sealed families) the process follows; {@link
     * ProcessManager#processId} decides which of their events belong to an instance.
     *
     * @param classes event classes or interfaces registered with the serializer
     * @return this builder
     */
    public Builder<S> follow(Class<?>... classes) {
      for (Class<?> c : classes) {
        follows.add(requireNonNull(c, "class"));
      }
      return this;
    }

    /**
     * Adds the repository that runs the process's commands to one stream type.
     *
     * @param streamType the stream type that {@link Action.Send} names
     * @param repository the repository
     * @param <C> its command family
     * @return this builder
     * @throws IllegalArgumentException if the stream type is malformed or has a repository already
     */
    @SuppressWarnings("unchecked")
    public <C> Builder<S> target(String streamType, AggregateRepository<C, ?, ?> repository) {
      Checks.streamType(streamType);
      if (targets.containsKey(streamType)) {
        throw new IllegalArgumentException("stream type " + streamType + " already has a repository");
      }
      targets.put(streamType, (AggregateRepository<Object, ?, ?>) requireNonNull(repository, "repository"));
      return this;
    }

    /**
     * Sets what counts as a refusal, which the process receives as {@link Input.CommandRefused};
     * any other exception is a failure, retried and then parked (default: {@link
     * CommandRejectedException} and its subclasses).
     *
     * @param value the test
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder<S> refusedWhen(Predicate<RuntimeException> value) {
      this.refusal = set.once("refusal test", value);
      return this;
    }

    /**
     * Sets the longest wait of the deadline scheduler between rounds (default 1 s); a deadline
     * scheduled in this process wakes it at once.
     *
     * @param value positive
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder<S> deadlinePoll(Duration value) {
      this.deadlinePoll = set.once("deadline poll", Checks.positive("deadline poll", value));
      return this;
    }

    /**
     * Sets how many times recording a deadline's firing is tried before it is marked failed
     * (default 10).
     *
     * @param value positive
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder<S> deadlineAttempts(int value) {
      this.deadlineAttempts = set.once("deadline attempts", Checks.positive("deadline attempts", value));
      return this;
    }

    /**
     * Configures the store-fed runner that {@link Workflow#start()} starts (batch size, failure
     * policy, notifications).
     *
     * @param value the configuration
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder<S> runner(Consumer<StoreProjectionRunner.Builder> value) {
      this.runnerConfig = set.once("runner configuration", value);
      return this;
    }

    /**
     * Builds the workflow (not started, not migrated).
     *
     * @return the workflow
     * @throws NullPointerException if the store, projections or serializer is missing
     * @throws IllegalArgumentException if the serializer lacks the process records or a followed
     *     class has no registered event type
     */
    public Workflow<S> build() {
      return new Workflow<>(this);
    }
  }
}
