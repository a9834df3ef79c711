package dev.cairn.projections;

import dev.cairn.api.Health;
import dev.cairn.api.Health.Status;
import io.opentelemetry.api.GlobalOpenTelemetry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of a runner: its thread, start, pause, resume and stop, the retry of failed batches,
 * its metrics and its health. Subclasses say how one batch is read, applied and committed. The
 * hand-shake with the threads that drive the runner lives in {@link RunnerControl}, its meters in
 * {@link RunnerMetrics}.
 */
abstract class AbstractRunner implements ProjectionRunner {

  private static final Logger LOG = LoggerFactory.getLogger(AbstractRunner.class);

  /** The runner no longer owns its checkpoint for good (retired version, or another owner). */
  static final class Fenced extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The state the runner stops in: STOPPED, or HANDED_OVER for a store checkpoint a Kafka runner took. */
    final RunnerState stopsAs;

    Fenced(String message) {
      this(message, RunnerState.STOPPED);
    }

    Fenced(String message, RunnerState stopsAs) {
      super(message);
      this.stopsAs = stopsAs;
    }
  }

  final Projection projection;
  final ProjectionSpec spec;
  final ProjectionManager manager;
  final BatchApplier applier;
  final FailurePolicy policy;
  final String owner;

  private final RunnerControl control;
  private final RunnerMetrics metrics;
  private volatile @Nullable String lastError;
  private volatile String stopReason = "stopped";
  private long lastTick;
  private long ticks;
  private volatile Runnable beforeCommit = () -> {};

  final Map<String, String> positions = new ConcurrentHashMap<>();

  final RunnerLiveness liveness;

  private final ControlWatch watch;

  AbstractRunner(RunnerBuilder<?> b) {
    this.projection = b.projection;
    this.spec = projection.spec();
    this.manager = b.manager;
    this.policy = b.policy;
    this.owner = spec.name() + "-v" + spec.version() + "-" + UUID.randomUUID();
    this.applier =
        new BatchApplier(
            projection, manager.readModel(spec), manager.serializer(), policy, manager.deadLetters(),
            new ProjectionTracing(b.openTelemetry != null ? b.openTelemetry : GlobalOpenTelemetry.getOrNoop(), spec));
    this.control = new RunnerControl(spec);
    this.metrics = new RunnerMetrics(spec, manager);
    this.liveness = new RunnerLiveness(spec, b.staleAfter, manager, metrics.tags(), Clock.systemUTC());
    this.watch = new ControlWatch(this, manager.commands(), Duration.ofSeconds(1));
  }

  /**
   * Executes a request of the control table on the runner's thread: a replay (by the subclass),
   * or a retry or skip of this version's dead letters.
   *
   * @return what happened
   */
  String execute(ProjectionCommand command) {
    return switch (command.command()) {
      case REPLAY -> replay(command.arguments());
      case RETRY, SKIP -> {
        long id = command.deadLetter();
        if (command.command() == ProjectionCommand.Type.RETRY) {
          manager.deadLetters().retry(projection, id);
        } else {
          manager.deadLetters().skip(projection, id);
        }
        metrics.refreshParked();
        yield (command.command() == ProjectionCommand.Type.RETRY ? "applied" : "skipped") + " dead letter " + id;
      }
      case RETRY_ALL -> {
        String result = manager.deadLetters().retryAll(projection);
        metrics.refreshParked();
        yield result;
      }
      default -> throw new IllegalStateException("a runner does not execute " + command.command());
    };
  }

  /** Replays as a control request's arguments say ({@code from}, {@code position} or {@code offsets}). */
  abstract String replay(Map<String, Object> arguments);

  /** Runs once on the runner's thread before the first batch. */
  abstract void init();

  /**
   * Reads, applies and commits one batch.
   *
   * @return true if more is known to be waiting
   */
  abstract boolean step();

  /** Waits for work after an empty batch (woken early by {@link #wake()}). */
  void awaitWork(Duration max) {
    control.awaitWork(max);
  }

  /**
   * Waits out a retry backoff after a batch committed what came before the event to retry. It
   * runs outside any transaction; only a stop or a pause cuts it short, not a wake-up.
   */
  final void backOff(Duration backoff) {
    control.backOff(backoff);
  }

  /** Called on the runner's thread while paused, instead of applying; by default it waits. */
  void whilePaused() {
    control.pausedWait();
  }

  /** Called on the runner's thread as it ends. */
  void shutdown() {}

  /** The source, for the status. */
  abstract String source();

  /** Wakes the runner if it waits for work. */
  final void wake() {
    control.wake();
  }

  @Override
  public final void start() {
    control.start(this::run);
  }

  private void run() {
    int failures = 0;
    try {
      metrics.refreshParked();
      init();
      control.state(RunnerState.RUNNING);
      while (!control.stopRequested()) {
        watch.maybeCheck();
        if (control.pauseIfRequested()) {
          if (!control.resumeIfLifted()) {
            whilePaused();
          }
          continue;
        }
        control.beginBatch();
        try {
          long start = System.nanoTime();
          boolean more = step();
          metrics.batch(System.nanoTime() - start);
          failures = 0;
          lastError = null;
          liveness.set(false, RunnerLiveness.BATCH_FAILING, Status.DOWN, () -> "");
          tick();
          if (!more) {
            endBatch();
            awaitWork(pollInterval());
          }
        } catch (Fenced f) {
          LOG.info("runner of {} stops: {}", spec, f.getMessage());
          stopReason = "stopped: " + f.getMessage();
          stoppedAs(f);
          return;
        } catch (BatchApplier.FailVerdict f) {
          LOG.error("runner of {} failed", spec, f);
          lastError = f.getMessage() + ": " + f.getCause();
          control.state(RunnerState.FAILED);
          return;
        } catch (RuntimeException e) {
          failures++;
          lastError = String.valueOf(e);
          int inARow = failures;
          liveness.set(true, RunnerLiveness.BATCH_FAILING, Status.DOWN, () -> "batch failed " + inARow + " times in a row: " + e);
          Duration backoff = policy.backoff(failures);
          LOG.warn("runner of {}: batch failed ({} in a row), retrying in {} ms", spec, failures, backoff.toMillis(), e);
          endBatch();
          backOff(backoff);
        } finally {
          endBatch();
        }
      }
    } catch (Fenced f) {
      LOG.info("runner of {} does not start: {}", spec, f.getMessage());
      stopReason = "stopped: " + f.getMessage();
      stoppedAs(f);
    } catch (RuntimeException | Error e) {
      LOG.error("runner of {} died", spec, e);
      lastError = String.valueOf(e);
      control.state(RunnerState.FAILED);
    } finally {
      try {
        shutdown();
      } catch (RuntimeException e) {
        LOG.warn("runner of {}: shutdown failed", spec, e);
      }
      watch.forget();
      RunnerState s = control.state();
      if (s != RunnerState.FAILED && s != RunnerState.HANDED_OVER) {
        control.state(RunnerState.STOPPED);
      }
      health();
      control.endBatch();
    }
  }

  private void stoppedAs(Fenced f) {
    if (f.stopsAs == RunnerState.HANDED_OVER) {
      lastError = f.getMessage();
      control.state(RunnerState.HANDED_OVER);
    }
  }

  private void endBatch() {
    control.endBatch();
  }

  /**
   * Runs about once a second on the runner's thread after a batch: evaluates the health, so that
   * a cause is logged when it starts and ends even if nobody asks; every fifth time it counts the
   * parked events again (an operator may have retried or skipped them).
   */
  private void tick() {
    long now = System.nanoTime();
    if (now - lastTick < 1_000_000_000L) {
      return;
    }
    lastTick = now;
    if (++ticks % 5 == 0) {
      metrics.refreshParked();
    }
    health();
  }

  /** Partitions assigned to the runner that it could not claim yet (none for a store runner). */
  List<String> unclaimed() {
    return List.of();
  }

  /** Since when the runner has waited for partitions to be assigned, or null. */
  @Nullable Instant waitingForPartitionsSince() {
    return null;
  }

  /** How long to wait for new work after an empty batch. */
  abstract Duration pollInterval();

  @Override
  public final void pause() {
    control.pause();
  }

  @Override
  public final void resume() {
    control.resume();
  }

  @Override
  public final void stop() {
    control.stop();
  }

  /** Tells whether stop was asked for. */
  final boolean stopRequested() {
    return control.stopRequested();
  }

  /**
   * Returns the runner's state.
   *
   * @return the state
   */
  public final RunnerState state() {
    return control.state();
  }

  @Override
  public final ProjectionStatus status() {
    return new ProjectionStatus(
        spec.toString(),
        source(),
        control.state(),
        new java.util.TreeMap<>(positions),
        metrics.lags(),
        metrics.applied(),
        metrics.rate(),
        metrics.refreshParked(),
        lastError,
        liveness.staleness(),
        unclaimed(),
        waitingForPartitionsSince(),
        health());
  }

  /**
   * Returns the runner's health: {@link Status#DOWN} when it stopped, failed, cannot commit or holds
   * partitions it could not claim; {@link Status#DEGRADED} when its oldest unapplied event is older
   * than its bound, or it retries an event, or events are parked. Each cause is named, with since
   * when it holds; the runner is up again by itself once the causes are gone.
   *
   * @return the health
   */
  @Override
  public final Health health() {
    RunnerState s = control.state();
    liveness.set(s == RunnerState.FAILED, RunnerLiveness.FAILED, Status.DOWN, () -> "failed: " + lastError);
    liveness.set(s == RunnerState.STOPPED, RunnerLiveness.STOPPED, Status.DOWN, () -> stopReason);
    liveness.set(metrics.parked() > 0, RunnerLiveness.PARKED, Status.DEGRADED, () -> metrics.parked() + " events parked");
    return liveness.health();
  }

  @Override
  public final boolean awaitCaughtUp(Duration timeout) {
    return control.awaitCaughtUp(timeout);
  }

  /** Records that a read which started at this instant found everything applied. */
  final void caughtUp(long readStartedNanos) {
    control.caughtUp(readStartedNanos);
  }

  /** Counts applied and parked events of a committed batch. */
  final void committed(BatchApplier.Outcome outcome) {
    metrics.committed(outcome);
  }

  /** Raises the cause that an event waits for a retry after a failure, or clears it. */
  final void retrying(boolean retrying, java.util.function.Supplier<String> what) {
    liveness.set(retrying, RunnerLiveness.RETRYING, Status.DEGRADED, what);
  }

  /** Counts a commit that the compare-and-set rejected. */
  final void rejected() {
    metrics.rejected();
  }

  /** Sets the lag of one source partition, registering its gauge on first use. */
  final void lag(String partition, long value) {
    metrics.lag(partition, value);
    liveness.lag(partition, value);
  }

  /** Drops the lag of a partition this runner no longer reads (its gauge reads 0). */
  final void forgetLag(String partition) {
    metrics.forgetLag(partition);
    liveness.forget(partition);
  }

  /** Runs the test hook between apply and commit. */
  final void beforeCommit() {
    beforeCommit.run();
  }

  /** Sets a hook run inside each batch's transaction after apply, before commit (for tests). */
  final void beforeCommit(Runnable hook) {
    this.beforeCommit = hook;
  }

  /** Returns the total of events applied since start (for tests). */
  final long applied() {
    return metrics.applied();
  }
}
