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
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;

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
    final @Nullable Consumer<Handle> inTransaction;
    /** The caller's thread, unparked when the outcome is set or when it may lead. */
    private final Thread thread = Thread.currentThread();
    /** Set once, by the group's leader, before it unparks {@link #thread}; read without the lock. */
    private volatile @Nullable Outcome outcome;

    Member(AppendRequest request, @Nullable Consumer<Handle> inTransaction) {
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
  record Outcome(@Nullable AppendResult result, @Nullable RuntimeException failure) {
    static Outcome committed(AppendResult result) {
      return new Outcome(result, null);
    }

    static Outcome failed(RuntimeException failure) {
      return new Outcome(null, failure);
    }
  }

  /** The longest a waiting member parks before it looks again by itself (a safety net, not a poll). */
  private static final long RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final GroupCommitSettings settings;
  private final Function<List<Member>, List<Outcome>> runGroup;
  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled when the queue reaches {@link #fillTarget}, for a leader waiting for its group to fill. */
  private final Condition filled = lock.newCondition();
  private final ArrayDeque<Member> queue = new ArrayDeque<>();
  private final Set<String> streamsInFlight = new HashSet<>();
  private int inFlight;
  /** The size of the last group taken: how many writers were recently appending together. */
  private int lastGroupSize = 1;
  /**
   * While leaders wait for their groups to fill, the queue size the latest of them waits for (the
   * others, only with several groups in flight, still stop at {@code maxWait}); otherwise 0.
   */
  private int fillTarget;
  /** How many leaders wait for their groups to fill (more than one only with several in flight). */
  private int fillers;
  private final long recheckNanos;

  GroupCommit(GroupCommitSettings settings, Function<List<Member>, List<Outcome>> runGroup) {
    this(settings, runGroup, RECHECK_NANOS);
  }

  /** With the safety net's interval given: tests set it out of reach, so that a lost wake-up hangs. */
  GroupCommit(GroupCommitSettings settings, Function<List<Member>, List<Outcome>> runGroup, long recheckNanos) {
    this.settings = settings;
    this.runGroup = runGroup;
    this.recheckNanos = recheckNanos;
  }

  /**
   * Appends in a group, waiting on the caller's thread until the group committed.
   *
   * <p>Waiting members park without the lock and are woken one by one: the members of a group
   * that ended by its leader, the member that may lead next by whoever freed its slot or stream.
   * So the members of a group go back to their callers side by side, not one after the other
   * through the lock, which matters when those callers come back together with their next appends.
   *
   * @param request what to append
   * @param inTransaction work for the same transaction (an idempotency key), or null
   * @return how the append ended; an interrupt does not end the wait (the append may be committing
   *     already), it is kept for the caller
   */
  Outcome submit(AppendRequest request, @Nullable Consumer<Handle> inTransaction) {
    Member me = new Member(request, inTransaction);
    boolean interrupted = false;
    boolean locked = true;
    lock.lock();
    try {
      queue.add(me);
      if (fillers > 0 && queue.size() >= fillTarget) {
        filled.signalAll();
      }
      while (true) {
        if (inFlight < settings.maxInFlight() && canLead(me)) {
          interrupted |= lead(me);
        }
        if (me.outcome != null) {
          return me.outcome;
        }
        lock.unlock();
        locked = false;
        LockSupport.parkNanos(this, recheckNanos);
        interrupted |= Thread.interrupted();
        // A member woken with its outcome goes back to its caller without touching the lock.
        if (me.outcome != null) {
          return me.outcome;
        }
        lock.lock();
        locked = true;
      }
    } finally {
      if (locked) {
        lock.unlock();
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Leads the next group (lock held on entry and on return): takes a slot and its own stream at
   * once, so that no other leader can take either while it waits for its group to fill (the lock
   * is let go while it waits), takes the group, runs it without the lock, then frees its streams
   * and slot and wakes its members and the next leader.
   *
   * @return whether the thread was interrupted while it waited
   */
  private boolean lead(Member me) {
    boolean interrupted = false;
    inFlight++;
    queue.remove(me);
    streamsInFlight.add(me.request.streamId());
    wakeNextLeader(me);
    // Counting the leader, as the last group's size does.
    int others = Math.min(lastGroupSize, settings.maxSize()) - 1;
    if (queue.size() < others && !settings.maxWait().isZero()) {
      interrupted = fill(others);
    }
    List<Member> group = new ArrayList<>();
    group.add(me);
    take(group, settings.maxSize());
    lastGroupSize = group.size();
    // With more than one group in flight, a slot may be free for the member now first in line.
    wakeNextLeader(me);
    lock.unlock();
    try {
      run(group);
    } finally {
      lock.lock();
      try {
        inFlight--;
        for (Member m : group) {
          streamsInFlight.remove(m.request.streamId());
        }
        wakeNextLeader(me);
      } finally {
        lock.unlock();
      }
      // Outside the lock: the members return without it, and their streams are free already for
      // the appends they come back with.
      for (Member m : group) {
        if (m != me) {
          LockSupport.unpark(m.thread);
        }
      }
      lock.lock();
    }
    return interrupted;
  }

  /** Unparks the member that may lead now, if a slot is free and it is not the caller. */
  private void wakeNextLeader(Member me) {
    if (inFlight >= settings.maxInFlight()) {
      return;
    }
    Member next = firstEligible();
    if (next != null && next != me) {
      LockSupport.unpark(next.thread);
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
    return firstEligible() == me;
  }

  /** The first queued member whose stream is not in a group now, or null. */
  private @Nullable Member firstEligible() {
    for (Member m : queue) {
      if (!streamsInFlight.contains(m.request.streamId())) {
        return m;
      }
    }
    return null;
  }

  /**
   * Waits (lock held) until the queue holds the target or the wait is over; arriving members
   * signal only when the target is reached, so the leader is woken once, not once per arrival.
   */
  private boolean fill(int target) {
    long left = settings.maxWait().toNanos();
    boolean interrupted = false;
    fillers++;
    fillTarget = target;
    try {
      while (queue.size() < target && left > 0) {
        try {
          left = filled.awaitNanos(left);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (--fillers == 0) {
        fillTarget = 0;
      }
    }
    return interrupted;
  }

  /** Adds the next queued members to a group (lock held): up to {@code limit} in all, one per stream. */
  private void take(List<Member> group, int limit) {
    Iterator<Member> it = queue.iterator();
    while (it.hasNext() && group.size() < limit) {
      Member m = it.next();
      if (streamsInFlight.add(m.request.streamId())) {
        group.add(m);
        it.remove();
      }
    }
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

  /** Sets every member's outcome; the members are unparked once the group's streams are free. */
  private static void setOutcomes(List<Member> group, List<Outcome> outcomes) {
    for (int i = 0; i < group.size(); i++) {
      group.get(i).outcome = outcomes.get(i);
    }
  }
}
