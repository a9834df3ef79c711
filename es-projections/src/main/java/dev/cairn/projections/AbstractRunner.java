package dev.cairn.projections;

import dev.cairn.api.Health;
import dev.cairn.api.Health.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of a runner: its thread, start, pause, resume and stop, the retry of failed batches,
 * its metrics and its health. Subclasses say how one batch is read, applied and committed.
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

  private final Object monitor = new Object();
  private boolean pauseRequested;
  private boolean inBatch;
  private boolean woken;
  private volatile boolean stopRequested;
  private volatile RunnerState state = RunnerState.NEW;
  private volatile String lastError;
  private volatile String stopReason = "stopped";
  private long lastTick;
  private long ticks;
  private volatile long caughtUpAt;
  private volatile boolean caughtUpOnce;
  private volatile Runnable beforeCommit = () -> {};
  private Thread thread;

  final Map<String, String> positions = new ConcurrentHashMap<>();
  final Map<String, AtomicLong> lag = new ConcurrentHashMap<>();
  private final AtomicLong parked;
  private final AtomicLong applied = new AtomicLong();
  private final EventRate rate = new EventRate();

  private final MeterRegistry meters;
  private final Tags tags;
  private final Counter eventsCounter;
  private final Counter rejectedCounter;
  private final Timer batchTimer;

  final RunnerLiveness liveness;

  AbstractRunner(Projection projection, ProjectionManager manager, FailurePolicy policy, Duration staleAfter) {
    this.projection = projection;
    this.spec = projection.spec();
    this.manager = manager;
    this.policy = policy;
    this.owner = spec.name() + "-v" + spec.version() + "-" + UUID.randomUUID();
    this.applier =
        new BatchApplier(projection, manager.readModel(spec), manager.serializer(), policy, manager.deadLetters());
    this.meters = manager.meterRegistry();
    this.tags = Tags.of("projection", spec.name(), "version", Integer.toString(spec.version()));
    this.eventsCounter =
        Counter.builder("cairn.projection.events").description("Events applied").tags(tags).register(meters);
    this.rejectedCounter =
        Counter.builder("cairn.projection.commits.rejected")
            .description("Batches rolled back because the runner no longer owned its checkpoint")
            .tags(tags)
            .register(meters);
    this.batchTimer =
        Timer.builder("cairn.projection.batch")
            .description("Batches: read, apply and commit")
            .tags(tags)
            .register(meters);
    this.parked = manager.gauge("cairn.projection.parked", tags, "Events parked or held in the dead-letter table");
    this.liveness = new RunnerLiveness(spec, staleAfter, manager, tags, Clock.systemUTC());
  }

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
    synchronized (monitor) {
      if (!woken && !stopRequested) {
        try {
          monitor.wait(Math.max(1, max.toMillis()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      woken = false;
    }
  }

  /**
   * Waits out a retry backoff after a batch committed what came before the event to retry. It
   * runs outside any transaction; only a stop or a pause cuts it short, not a wake-up.
   */
  final void backOff(Duration backoff) {
    long deadline = System.nanoTime() + backoff.toNanos();
    synchronized (monitor) {
      while (!stopRequested && !pauseRequested) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          monitor.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Called on the runner's thread while paused, instead of applying; by default it waits. */
  void whilePaused() {
    synchronized (monitor) {
      try {
        monitor.wait(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Called on the runner's thread as it ends. */
  void shutdown() {}

  /** The source, for the status. */
  abstract String source();

  /** Wakes the runner if it waits for work. */
  final void wake() {
    synchronized (monitor) {
      woken = true;
      monitor.notifyAll();
    }
  }

  @Override
  public final synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("runner of " + spec + " was already started");
    }
    thread = new Thread(this::run, "cairn-projection-" + spec.name() + "-v" + spec.version());
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    int failures = 0;
    try {
      refreshParked();
      init();
      state = RunnerState.RUNNING;
      while (!stopRequested) {
        synchronized (monitor) {
          if (pauseRequested) {
            state = RunnerState.PAUSED;
            monitor.notifyAll();
          }
        }
        if (state == RunnerState.PAUSED) {
          synchronized (monitor) {
            if (!pauseRequested) {
              state = RunnerState.RUNNING;
              continue;
            }
          }
          whilePaused();
          continue;
        }
        synchronized (monitor) {
          inBatch = true;
        }
        try {
          long start = System.nanoTime();
          boolean more = step();
          batchTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
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
          state = RunnerState.FAILED;
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
      state = RunnerState.FAILED;
    } finally {
      try {
        shutdown();
      } catch (RuntimeException e) {
        LOG.warn("runner of {}: shutdown failed", spec, e);
      }
      if (state != RunnerState.FAILED && state != RunnerState.HANDED_OVER) {
        state = RunnerState.STOPPED;
      }
      health();
      synchronized (monitor) {
        inBatch = false;
        monitor.notifyAll();
      }
    }
  }

  private void stoppedAs(Fenced f) {
    if (f.stopsAs == RunnerState.HANDED_OVER) {
      lastError = f.getMessage();
      state = RunnerState.HANDED_OVER;
    }
  }

  private void endBatch() {
    synchronized (monitor) {
      inBatch = false;
      monitor.notifyAll();
    }
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
      refreshParked();
    }
    health();
  }

  /** Partitions assigned to the runner that it could not claim yet (none for a store runner). */
  List<String> unclaimed() {
    return List.of();
  }

  /** Since when the runner has waited for partitions to be assigned, or null. */
  Instant waitingForPartitionsSince() {
    return null;
  }

  /** How long to wait for new work after an empty batch. */
  abstract Duration pollInterval();

  @Override
  public final void pause() {
    synchronized (monitor) {
      pauseRequested = true;
      monitor.notifyAll();
      if (Thread.currentThread() == thread) {
        return;
      }
      while (thread != null && thread.isAlive() && (inBatch || state == RunnerState.RUNNING) && !stopRequested) {
        try {
          monitor.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  @Override
  public final void resume() {
    synchronized (monitor) {
      pauseRequested = false;
      woken = true;
      monitor.notifyAll();
    }
  }

  @Override
  public final void stop() {
    Thread t;
    synchronized (monitor) {
      stopRequested = true;
      woken = true;
      monitor.notifyAll();
      t = thread;
    }
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (t == null) {
      state = RunnerState.STOPPED;
    }
  }

  /** Tells whether stop was asked for. */
  final boolean stopRequested() {
    return stopRequested;
  }

  /**
   * Returns the runner's state.
   *
   * @return the state
   */
  public final RunnerState state() {
    return state;
  }

  @Override
  public final ProjectionStatus status() {
    Map<String, Long> lags = new java.util.TreeMap<>();
    lag.forEach((k, v) -> lags.put(k, v.get()));
    return new ProjectionStatus(
        spec.toString(),
        source(),
        state,
        new java.util.TreeMap<>(positions),
        lags,
        applied.get(),
        rate.current(),
        refreshParked(),
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
    RunnerState s = state;
    liveness.set(s == RunnerState.FAILED, RunnerLiveness.FAILED, Status.DOWN, () -> "failed: " + lastError);
    liveness.set(s == RunnerState.STOPPED, RunnerLiveness.STOPPED, Status.DOWN, () -> stopReason);
    liveness.set(parked.get() > 0, RunnerLiveness.PARKED, Status.DEGRADED, () -> parked.get() + " events parked");
    return liveness.health();
  }

  @Override
  public final boolean awaitCaughtUp(Duration timeout) {
    long since = System.nanoTime();
    long deadline = since + timeout.toNanos();
    synchronized (monitor) {
      woken = true;
      monitor.notifyAll();
      while (!caughtUpOnce || caughtUpAt - since < 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || state == RunnerState.FAILED || state == RunnerState.STOPPED || state == RunnerState.HANDED_OVER) {
          return false;
        }
        try {
          monitor.wait(Math.max(1, Math.min(100, TimeUnit.NANOSECONDS.toMillis(left))));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  /** Records that a read which started at this instant found everything applied. */
  final void caughtUp(long readStartedNanos) {
    synchronized (monitor) {
      caughtUpAt = readStartedNanos;
      caughtUpOnce = true;
      monitor.notifyAll();
    }
  }

  /** Counts applied and parked events of a committed batch. */
  final void committed(BatchApplier.Outcome outcome) {
    applied.addAndGet(outcome.applied());
    eventsCounter.increment(outcome.applied());
    if (outcome.parked() > 0) {
      refreshParked();
    }
    rate.add(outcome.applied());
  }

  /** Raises the cause that an event waits for a retry after a failure, or clears it. */
  final void retrying(boolean retrying, java.util.function.Supplier<String> what) {
    liveness.set(retrying, RunnerLiveness.RETRYING, Status.DEGRADED, what);
  }

  /** Counts a commit that the compare-and-set rejected. */
  final void rejected() {
    rejectedCounter.increment();
  }

  /** Sets the lag of one source partition, registering its gauge on first use. */
  final void lag(String partition, long value) {
    lag.computeIfAbsent(
            partition,
            p -> manager.gauge("cairn.projection.lag", tags.and("partition", p), "Events of the source not yet applied"))
        .set(value);
    liveness.lag(partition, value);
  }

  /** Drops the lag of a partition this runner no longer reads (its gauge reads 0). */
  final void forgetLag(String partition) {
    AtomicLong holder = lag.remove(partition);
    if (holder != null) {
      holder.set(0);
    }
    liveness.forget(partition);
  }

  private long refreshParked() {
    try {
      long n = manager.deadLetters().count(spec);
      parked.set(n);
      return n;
    } catch (RuntimeException e) {
      return parked.get();
    }
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
    return applied.get();
  }
}
