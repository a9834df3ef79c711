package dev.cairn.workflows.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.workflows.DeadlineCounts;
import dev.cairn.workflows.ProcessRecord;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires one workflow's due deadlines on a thread of its own. Each round claims due rows with
 * {@code FOR UPDATE SKIP LOCKED}, so that any number of service instances share the work and never
 * claim the same row at once; it records each firing in the process's stream under an
 * idempotency key derived from the deadline's id (so a crash between recording and marking fires
 * it once in effect), then marks it fired, in the claiming transaction. A deadline that fell due
 * while no instance ran fires in the first round after start. A failed recording is retried with
 * backoff and, after the last attempt, the deadline is marked failed and counted.
 */
public final class DeadlineScheduler implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DeadlineScheduler.class);
  private static final int BATCH = 100;

  private final String workflow;
  private final Deadlines deadlines;
  private final ProcessLog log;
  private final Duration poll;
  private final int maxAttempts;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wakeUp = lock.newCondition();
  private final AtomicLong pending = new AtomicLong();
  private final AtomicLong fired = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong cancelled = new AtomicLong();
  private volatile boolean woken;
  private volatile boolean running;
  private volatile @Nullable String lastError;
  private volatile long countedAt;
  private @Nullable Thread thread;

  /**
   * Creates the scheduler (not started) and registers its gauges.
   *
   * @param workflow the workflow's name
   * @param deadlines the deadline rows
   * @param log the process streams
   * @param poll the longest wait between rounds
   * @param maxAttempts attempts to record a firing before the deadline is marked failed
   * @param meters where the gauges go
   */
  public DeadlineScheduler(
      String workflow, Deadlines deadlines, ProcessLog log, Duration poll, int maxAttempts, MeterRegistry meters) {
    this.workflow = workflow;
    this.deadlines = deadlines;
    this.log = log;
    this.poll = poll;
    this.maxAttempts = maxAttempts;
    gauge(meters, "pending", pending);
    gauge(meters, "fired", fired);
    gauge(meters, "failed", failed);
    gauge(meters, "cancelled", cancelled);
  }

  private void gauge(MeterRegistry meters, String state, AtomicLong value) {
    Gauge.builder("cairn.workflow.deadlines", value, AtomicLong::get)
        .description("deadlines of a workflow by state (fired counts handled ones too)")
        .tag("workflow", workflow)
        .tag("state", state)
        .register(meters);
  }

  /** Starts the thread; the first round fires every overdue deadline. */
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    thread = new Thread(this::run, "cairn-deadlines-" + workflow);
    thread.setDaemon(true);
    thread.start();
    LOG.info("deadlines of workflow {}: scheduler started", workflow);
  }

  /** Wakes the thread for a round now (after a deadline was scheduled in this process). */
  public void wake() {
    lock.lock();
    try {
      woken = true;
      wakeUp.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Tells whether the thread runs.
   *
   * @return true between start and close
   */
  public boolean running() {
    return running;
  }

  /**
   * Returns the last failure of a round, or null.
   *
   * @return the error
   */
  public @Nullable String lastError() {
    return lastError;
  }

  private void run() {
    while (running) {
      try {
        int claimed = fireRound();
        refreshCounts(false);
        lastError = null;
        if (claimed == BATCH) {
          continue;
        }
        Instant next = deadlines.nextDue();
        Duration wait = poll;
        if (next != null) {
          Duration untilDue = Duration.between(Instant.now(), next);
          wait = untilDue.isNegative() ? Duration.ofMillis(10) : untilDue.compareTo(poll) < 0 ? untilDue : poll;
        }
        await(wait);
      } catch (RuntimeException e) {
        if (!running) {
          break;
        }
        lastError = String.valueOf(e);
        LOG.warn("deadlines of workflow {}: round failed, retrying in {} ms", workflow, poll.toMillis(), e);
        await(poll);
      }
    }
  }

  /**
   * Fires the due deadlines that no other instance holds, in one transaction.
   *
   * @return how many were claimed
   */
  public int fireRound() {
    return deadlines.jdbi().inTransaction(
        h -> {
          List<Deadlines.Due> due = deadlines.claimDue(h, BATCH);
          for (Deadlines.Due d : due) {
            try {
              log.record(
                  new ProcessRecord.Fired(d.processId(), d.id(), d.name(), d.payload(), d.due()), d.id(), d.metadata());
              deadlines.fired(h, d.id());
            } catch (RuntimeException e) {
              int attempts = d.attempts() + 1;
              boolean last = attempts >= maxAttempts;
              Duration backoff = Duration.ofMillis(Math.min(60_000L, 200L << Math.min(attempts, 8)));
              deadlines.failedAttempt(h, d.id(), String.valueOf(e), backoff, last);
              if (last) {
                LOG.error(
                    "deadline {} ({}) of process {} in workflow {} failed {} times; marked failed",
                    d.id(), d.name(), d.processId(), workflow, attempts, e);
              } else {
                LOG.warn(
                    "deadline {} ({}) of process {} in workflow {}: firing failed ({} of {}), retrying in {} ms",
                    d.id(), d.name(), d.processId(), workflow, attempts, maxAttempts, backoff.toMillis(), e);
              }
            }
          }
          return due.size();
        });
  }

  /**
   * Counts the deadlines by state into the gauges, at most once a second unless forced.
   *
   * @param force true to count now
   * @return the counts as last taken
   */
  public DeadlineCounts refreshCounts(boolean force) {
    long now = System.nanoTime();
    if (force || now - countedAt > 1_000_000_000L) {
      countedAt = now;
      DeadlineCounts c = deadlines.counts();
      pending.set(c.pending());
      fired.set(c.fired());
      failed.set(c.failed());
      cancelled.set(c.cancelled());
      return c;
    }
    return new DeadlineCounts(pending.get(), fired.get(), failed.get(), cancelled.get(), null);
  }

  private void await(Duration wait) {
    lock.lock();
    try {
      long nanos = wait.toNanos();
      while (running && !woken && nanos > 0) {
        nanos = wakeUp.awaitNanos(nanos);
      }
      woken = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    } finally {
      lock.unlock();
    }
  }

  /** Stops the thread and waits for its round to end. */
  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      if (!running) {
        return;
      }
      running = false;
      // start() sets the thread, under this lock, whenever it sets running.
      t = requireNonNull(thread, "thread");
    }
    wake();
    try {
      t.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.info("deadlines of workflow {}: scheduler stopped", workflow);
  }
}
