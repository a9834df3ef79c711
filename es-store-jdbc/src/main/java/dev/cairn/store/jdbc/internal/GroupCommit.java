package dev.cairn.store.jdbc.internal;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.AppendResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;

/**
 * Combines concurrent appends to different streams into groups, each committed as one
 * transaction: the waiting is done by the callers' own threads, and the one that finds a free
 * slot leads the next group.
 *
 * <p>Writers that arrive while groups are committing queue up and go together in the next group,
 * so the group size follows the load. A leader waits up to {@code maxWait} for as many members as
 * the last group had (at most {@code maxSize}): when a group's writers come back together with
 * their next appends, they go together again instead of the first of them leading a group of one
 * and the rest queueing behind it. A lone writer (the last group had one member) never waits. A stream is never in two groups at once, nor twice in one group: its appends go
 * one after the other, so concurrent groups touch disjoint stream rows and cannot deadlock on them.
 *
 * <p>The group is run on the leader's thread by a function given the members (the {@link
 * Appender}'s), which returns each member's outcome; it is set before the member's thread is woken.
 */
final class GroupCommit {

  /** An append waiting for its group, with the work to run in its transaction. */
  static final class Member {
    final AppendRequest request;
    final Consumer<Handle> inTransaction;
    private Outcome outcome;

    Member(AppendRequest request, Consumer<Handle> inTransaction) {
      this.request = request;
      this.inTransaction = inTransaction;
    }
  }

  /**
   * How a member's append ended.
   *
   * @param result the result, if it committed
   * @param failure the failure, if it failed
   */
  record Outcome(AppendResult result, RuntimeException failure) {
    static Outcome committed(AppendResult result) {
      return new Outcome(result, null);
    }

    static Outcome failed(RuntimeException failure) {
      return new Outcome(null, failure);
    }
  }

  private final GroupCommitSettings settings;
  private final Function<List<Member>, List<Outcome>> runGroup;
  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled when a group ends: members check their outcome, leaders their slot. */
  private final Condition changed = lock.newCondition();
  /** Signalled when a member arrives, for a leader waiting for its group to fill. */
  private final Condition arrived = lock.newCondition();
  private final ArrayDeque<Member> queue = new ArrayDeque<>();
  private final Set<String> streamsInFlight = new HashSet<>();
  private int inFlight;
  /** The size of the last group taken: how many writers were recently appending together. */
  private int lastGroupSize = 1;

  GroupCommit(GroupCommitSettings settings, Function<List<Member>, List<Outcome>> runGroup) {
    this.settings = settings;
    this.runGroup = runGroup;
  }

  /**
   * Appends in a group, waiting on the caller's thread until the group committed.
   *
   * @param request what to append
   * @param inTransaction work for the same transaction (an idempotency key), or null
   * @return how the append ended; an interrupt does not end the wait (the append may be committing
   *     already), it is kept for the caller
   */
  Outcome submit(AppendRequest request, Consumer<Handle> inTransaction) {
    Member me = new Member(request, inTransaction);
    boolean interrupted = false;
    lock.lock();
    try {
      queue.add(me);
      arrived.signal();
      while (true) {
        if (me.outcome != null) {
          return me.outcome;
        }
        if (inFlight < settings.maxInFlight() && canLead(me)) {
          int target = Math.min(lastGroupSize, settings.maxSize());
          if (queue.size() < target && !settings.maxWait().isZero()) {
            interrupted |= fill(target);
          }
          List<Member> group = take(settings.maxSize());
          lastGroupSize = Math.max(1, group.size());
          if (group.isEmpty()) {
            interrupted |= await();
            continue;
          }
          inFlight++;
          lock.unlock();
          try {
            run(group);
          } finally {
            lock.lock();
            inFlight--;
            for (Member m : group) {
              streamsInFlight.remove(m.request.streamId());
            }
            changed.signalAll();
          }
          continue;
        }
        interrupted |= await();
      }
    } finally {
      lock.unlock();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Returns how many appends wait for a group (for tests and diagnostics). */
  int queued() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** Returns how many groups are committing now (for tests and diagnostics). */
  int inFlight() {
    lock.lock();
    try {
      return inFlight;
    } finally {
      lock.unlock();
    }
  }

  /** Whether a member may lead now: the first queued member whose stream is free does. */
  private boolean canLead(Member me) {
    for (Member m : queue) {
      if (!streamsInFlight.contains(m.request.streamId())) {
        return m == me;
      }
    }
    return false;
  }

  /** Waits (lock held) until the queue holds the target or the wait is over. */
  private boolean fill(int target) {
    long left = settings.maxWait().toNanos();
    boolean interrupted = false;
    while (queue.size() < target && left > 0) {
      try {
        left = arrived.awaitNanos(left);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    return interrupted;
  }

  private boolean await() {
    try {
      changed.await(1, TimeUnit.SECONDS);
      return false;
    } catch (InterruptedException e) {
      return true;
    }
  }

  /** Takes the next group off the queue (lock held): up to {@code limit}, one member per stream. */
  private List<Member> take(int limit) {
    List<Member> group = new ArrayList<>(Math.min(queue.size(), limit));
    Iterator<Member> it = queue.iterator();
    while (it.hasNext() && group.size() < limit) {
      Member m = it.next();
      if (streamsInFlight.add(m.request.streamId())) {
        group.add(m);
        it.remove();
      }
    }
    return group;
  }

  /** Runs a group outside the lock and sets every member's outcome. */
  private void run(List<Member> group) {
    List<Outcome> outcomes;
    try {
      outcomes = runGroup.apply(group);
    } catch (RuntimeException | Error e) {
      RuntimeException failure = e instanceof RuntimeException r ? r : new IllegalStateException("group append failed", e);
      outcomes = new ArrayList<>(group.size());
      for (int i = 0; i < group.size(); i++) {
        outcomes.add(Outcome.failed(failure));
      }
      setOutcomes(group, outcomes);
      if (e instanceof Error error) {
        throw error;
      }
      return;
    }
    setOutcomes(group, outcomes);
  }

  private void setOutcomes(List<Member> group, List<Outcome> outcomes) {
    lock.lock();
    try {
      for (int i = 0; i < group.size(); i++) {
        group.get(i).outcome = outcomes.get(i);
      }
    } finally {
      lock.unlock();
    }
  }
}
