package dev.cairn.store.jdbc.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.AppendResult;
import dev.cairn.api.ConcurrencyConflictException;
import dev.cairn.api.EventTooLargeException;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import dev.cairn.store.jdbc.spi.StoreTables;
import dev.cairn.api.EventStoreException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs appends: checks the events' sizes, runs the append statement in its transaction, maps a
 * lost race to a {@link ConcurrencyConflictException}, times it and tells the listeners.
 */
public final class Appender {

  private static final Logger LOG = LoggerFactory.getLogger(Appender.class);

  private final Jdbi jdbi;
  private final AppendStatement statement;
  private final StreamReader streams;
  private final GlobalFence fence;
  private final int maxEventBytes;
  private final MeterRegistry meters;
  private final List<Consumer<AppendResult>> listeners = new CopyOnWriteArrayList<>();
  private final Timer appendTimer;
  private final Counter eventsAppended;
  private final Counter conflicts;
  private final GroupAppendStatement groupStatement;
  /** Null when appends are not grouped. */
  private final @Nullable GroupCommit groups;
  private final DistributionSummary groupSizes;
  private final Counter groupFallbacks;

  /**
   * Creates the appender and registers its meters.
   *
   * @param jdbi the store's Jdbi
   * @param tables the store's tables
   * @param fence the store's global-order fence, which appenders declare themselves to
   * @param streams the store's stream reader
   * @param maxEventBytes the largest payload of one event
   * @param notifyChannel the LISTEN/NOTIFY channel to announce appends on, or null for none
   * @param meters where the meters are registered
   * @param grouping how concurrent appends are grouped, or null to run each alone
   */
  public Appender(
      Jdbi jdbi,
      StoreTables tables,
      GlobalFence fence,
      StreamReader streams,
      int maxEventBytes,
      @Nullable String notifyChannel,
      MeterRegistry meters,
      @Nullable GroupCommitSettings grouping) {
    this.jdbi = jdbi;
    this.streams = streams;
    this.fence = fence;
    this.statement = new AppendStatement(tables, fence, notifyChannel, streams);
    this.maxEventBytes = maxEventBytes;
    this.meters = meters;
    this.appendTimer =
        Timer.builder("cairn.store.append")
            .description("Appends to the event store, with their latency")
            .publishPercentileHistogram()
            .register(meters);
    this.eventsAppended =
        Counter.builder("cairn.store.events.appended").description("Events appended").register(meters);
    this.conflicts =
        Counter.builder("cairn.store.conflicts")
            .description("Appends rejected because the stream was at another version")
            .register(meters);
    this.groupStatement = new GroupAppendStatement(tables, fence, notifyChannel);
    this.groups =
        grouping == null
            ? null
            : new GroupCommit(grouping, this::runGroup);
    this.groupSizes =
        DistributionSummary.builder("cairn.store.append.group.size")
            .description("Appends committed together in one transaction by group commit")
            .register(meters);
    this.groupFallbacks =
        Counter.builder("cairn.store.append.group.fallbacks")
            .description("Groups rolled back because one member failed, whose members then appended alone")
            .register(meters);
  }

  /**
   * Appends in a transaction of its own.
   *
   * @param request what to append
   * @return what was written
   * @throws ConcurrencyConflictException if the stream is at another version
   */
  public AppendResult append(AppendRequest request) {
    return append(request, null);
  }

  /**
   * Appends, first running other work (recording an idempotency key) in the same transaction.
   *
   * @param request what to append
   * @param before the work, or null for none
   * @return what was written
   * @throws ConcurrencyConflictException if the stream is at another version
   */
  public AppendResult append(AppendRequest request, @Nullable Consumer<Handle> before) {
    checkSizes(request);
    Timer.Sample sample = Timer.start(meters);
    try {
      AppendResult result;
      if (groups == null) {
        result = alone(request, before);
      } else {
        GroupCommit.Outcome outcome = groups.submit(request, before);
        RuntimeException failure = outcome.failure();
        if (failure != null) {
          throw failure;
        }
        // An outcome without a failure holds the result.
        result = requireNonNull(outcome.result(), "result");
      }
      afterCommit(result);
      return result;
    } finally {
      sample.stop(appendTimer);
    }
  }

  /** The append alone, in a transaction of its own. */
  private AppendResult alone(AppendRequest request, @Nullable Consumer<Handle> before) {
    if (before == null) {
      // One round trip, the commit included, on a connection in auto-commit (the pool's usual
      // state); two (the statement, then the commit) on a pool that hands out connections in a
      // transaction already.
      return raceMapped(
          request.streamId(),
          request.expectedVersion(),
          () ->
              jdbi.withHandle(
                  h ->
                      autoCommit(h)
                          ? statement.execute(h, request, AppendStatement.Mode.ONE_TRIP)
                          : h.inTransaction(t -> statement.execute(t, request, AppendStatement.Mode.BEGUN))));
    }
    return inAppendTransaction(
        request.streamId(),
        request.expectedVersion(),
        h -> {
          // Declared before the key's insert, the transaction's first write.
          h.execute(AppendStatement.REPEATABLE_READ + "; " + fence.declareSql());
          before.accept(h);
          return statement.execute(h, request, AppendStatement.Mode.IN_TRANSACTION);
        });
  }

  /**
   * Runs one group (on the leader's thread). A group of one is an append alone. A larger group is
   * one REPEATABLE READ transaction: without idempotency keys, the whole transaction (the group
   * statement and the commit) in one round trip; with keys, the group statement, then the winners'
   * keys, then the commit. A group that surely did not commit (PostgreSQL refused a statement: a
   * member's serialization failure, a unique violation, a key already used) is rolled back and
   * every member appends alone, in the order they arrived, where each gets its own outcome. When
   * the connection broke, or the commit itself failed, whether it committed is unknown, as it would
   * be for an append alone: every member fails and none is retried.
   */
  private List<GroupCommit.Outcome> runGroup(List<GroupCommit.Member> members) {
    if (members.size() == 1) {
      return List.of(runAlone(members.get(0)));
    }
    List<AppendRequest> requests = new ArrayList<>(members.size());
    for (GroupCommit.Member m : members) {
      requests.add(m.request);
    }
    boolean keyed = false;
    for (GroupCommit.Member m : members) {
      keyed |= m.inTransaction != null;
    }
    try (Handle h = jdbi.open()) {
      if (!keyed && autoCommit(h)) {
        try {
          List<GroupAppendStatement.Outcome> done = groupStatement.execute(h, requests, true);
          groupSizes.record(members.size());
          return outcomesOf(members, done);
        } catch (GroupAppendStatement.Failed e) {
          if (!e.rolledBack()) {
            // A Failed always wraps the group's failure.
            Throwable cause = requireNonNull(e.getCause(), "cause");
            EventStoreException failure =
                EventStoreException.of(
                    "appending a group of " + members.size() + " appends (the connection broke: whether it committed is unknown)",
                    cause);
            return Collections.nCopies(members.size(), GroupCommit.Outcome.failed(failure));
          }
          groupFallbacks.increment();
          LOG.debug("group of {} appends rolled back, its members append alone", members.size(), e);
        }
      } else {
        List<GroupCommit.Outcome> outcomes = runInTransaction(h, members, requests);
        if (outcomes != null) {
          return outcomes;
        }
      }
    }
    return runAlone(members);
  }

  /**
   * Runs a group whose members have work of their own (idempotency keys) in one transaction: the
   * group statement, the winners' work, the commit. Returns null if it rolled back.
   */
  private @Nullable List<GroupCommit.Outcome> runInTransaction(
      Handle h, List<GroupCommit.Member> members, List<AppendRequest> requests) {
    boolean committing = false;
    try {
      h.begin();
      List<GroupAppendStatement.Outcome> done = groupStatement.execute(h, requests, false);
      for (int i = 0; i < members.size(); i++) {
        GroupCommit.Member m = members.get(i);
        if (done.get(i).won() && m.inTransaction != null) {
          m.inTransaction.accept(h);
        }
      }
      committing = true;
      h.commit();
      groupSizes.record(members.size());
      return outcomesOf(members, done);
    } catch (RuntimeException e) {
      if (committing) {
        EventStoreException failure =
            EventStoreException.of("committing a group of " + members.size() + " appends (whether it committed is unknown)", e);
        return Collections.nCopies(members.size(), GroupCommit.Outcome.failed(failure));
      }
      rollBackQuietly(h, e);
      groupFallbacks.increment();
      LOG.debug("group of {} appends rolled back, its members append alone", members.size(), e);
      return null;
    }
  }

  /**
   * Appends a group's members alone, one after the other in the order they arrived, so that
   * members competing for the same thing (an idempotency key) are decided as they would have been
   * without grouping.
   */
  private List<GroupCommit.Outcome> runAlone(List<GroupCommit.Member> members) {
    List<GroupCommit.Outcome> alone = new ArrayList<>(members.size());
    for (GroupCommit.Member m : members) {
      alone.add(runAlone(m));
    }
    return alone;
  }

  /** The outcomes of a committed group without work of its members. */
  private List<GroupCommit.Outcome> outcomesOf(List<GroupCommit.Member> members, List<GroupAppendStatement.Outcome> done) {
    List<GroupCommit.Outcome> outcomes = new ArrayList<>(members.size());
    for (int i = 0; i < members.size(); i++) {
      AppendRequest r = members.get(i).request;
      GroupAppendStatement.Outcome o = done.get(i);
      List<RecordedEvent> stored = o.stored(); // null unless it won
      if (stored != null) {
        outcomes.add(
            GroupCommit.Outcome.committed(new AppendResult(r.streamId(), r.expectedVersion() + r.events().size(), stored)));
      } else {
        conflicts.increment();
        outcomes.add(GroupCommit.Outcome.failed(AppendStatement.lostCompareAndSet(r, o.actual())));
      }
    }
    return outcomes;
  }

  private static boolean autoCommit(Handle h) {
    try {
      return h.getConnection().getAutoCommit();
    } catch (java.sql.SQLException e) {
      throw EventStoreException.of("reading the connection's auto-commit", e);
    }
  }

  private GroupCommit.Outcome runAlone(GroupCommit.Member m) {
    try {
      return GroupCommit.Outcome.committed(alone(m.request, m.inTransaction));
    } catch (RuntimeException e) {
      return GroupCommit.Outcome.failed(e);
    }
  }

  private static void rollBackQuietly(Handle h, RuntimeException cause) {
    try {
      h.rollback();
    } catch (RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  /**
   * Appends inside the caller's transaction, which the caller has checked runs at REPEATABLE READ
   * or stricter. A lost race is a {@link ConcurrencyConflictException} here too (DESIGN rule 1),
   * whatever form PostgreSQL gave it.
   *
   * @param handle a handle inside a transaction
   * @param request what to append
   * @return what was written (visible to others once the caller commits)
   * @throws ConcurrencyConflictException if the stream is at another version
   * @throws IllegalStateException if the transaction wrote before declaring itself
   */
  public AppendResult appendInTransaction(Handle handle, AppendRequest request) {
    checkSizes(request);
    declare(handle);
    try {
      return statement.execute(handle, request, AppendStatement.Mode.IN_TRANSACTION);
    } catch (ConcurrencyConflictException e) {
      conflicts.increment();
      throw e;
    } catch (RuntimeException e) {
      if (SqlStates.isRaceLost(e)) {
        conflicts.increment();
        // The caller's transaction is aborted now; its snapshot would be stale anyway.
        long actual = jdbi.withHandle(h -> streams.version(h, request.streamId()));
        throw ConcurrencyConflictException.of(request.streamId(), request.expectedVersion(), actual, e);
      }
      throw e;
    }
  }

  /**
   * Declares the caller's transaction as one that may append, before its first write; see {@link
   * GlobalFence}. Declaring again is harmless.
   *
   * @param handle a handle inside a transaction
   * @throws IllegalStateException if the transaction already holds a transaction id from earlier
   *     writes and has not declared itself: readers may already have passed that id
   */
  public void declare(Handle handle) {
    Declaration state =
        handle.createQuery(fence.declarationStateSql())
            .map((rs, ctx) -> new Declaration(rs.getBoolean("declared"), rs.getString("tx_text")))
            .one();
    if (state.declared()) {
      return;
    }
    if (state.txId() != null) {
      throw new IllegalStateException(
          "cannot append in a transaction that already holds transaction id " + state.txId()
              + " from earlier writes: readers of the global order do not wait for a transaction that"
              + " has not declared itself an appender, so its events could be skipped. Call"
              + " JdbcEventStore.declareAppender(handle) before the transaction's first write");
    }
    handle.execute(fence.declareSql());
  }

  /** Whether a transaction has declared itself, and the transaction id it holds (null if none). */
  private record Declaration(boolean declared, @Nullable String txId) {}

  /**
   * Returns how many appends wait for their group to start, 0 when appends are not grouped.
   *
   * @return the number
   */
  public int queuedAppends() {
    return groups == null ? 0 : groups.queued();
  }

  /**
   * Returns how many groups of appends (a lone append is a group of one) are committing now.
   *
   * @return the number
   */
  public int groupsInFlight() {
    return groups == null ? 0 : groups.inFlight();
  }

  /**
   * Registers a listener called after every append of this appender commits.
   *
   * @param listener the listener
   */
  public void addListener(Consumer<AppendResult> listener) {
    listeners.add(listener);
  }

  /**
   * Runs work in one REPEATABLE READ transaction, mapping a lost race to a {@link
   * ConcurrencyConflictException} on the given stream.
   */
  private <T> T inAppendTransaction(String streamId, long expectedVersion, HandleWork<T> work) {
    // The work sets REPEATABLE READ itself, in the same round trip as its first statement.
    return raceMapped(streamId, expectedVersion, () -> jdbi.inTransaction(work::run));
  }

  /** Runs an append, mapping a lost race to a {@link ConcurrencyConflictException} on the stream. */
  private <T> T raceMapped(String streamId, long expectedVersion, java.util.function.Supplier<T> append) {
    try {
      return append.get();
    } catch (ConcurrencyConflictException e) {
      conflicts.increment();
      throw e;
    } catch (RuntimeException e) {
      if (SqlStates.isRaceLost(e)) {
        conflicts.increment();
        long actual = jdbi.withHandle(h -> streams.version(h, streamId));
        throw ConcurrencyConflictException.of(streamId, expectedVersion, actual, e);
      }
      throw e;
    }
  }

  /** Work done on a handle inside a transaction. */
  @FunctionalInterface
  private interface HandleWork<T> {
    T run(Handle handle);
  }

  private void afterCommit(AppendResult result) {
    eventsAppended.increment(result.events().size());
    for (Consumer<AppendResult> listener : listeners) {
      try {
        listener.accept(result);
      } catch (RuntimeException e) {
        LOG.warn("append listener {} failed", listener, e);
      }
    }
  }

  private void checkSizes(AppendRequest request) {
    for (NewEvent e : request.events()) {
      // Cheap bound first: a UTF-8 byte is at least one char, at most three per char.
      int chars = e.payload().length();
      if (chars > maxEventBytes / 3) {
        int bytes = chars > maxEventBytes ? chars : e.payload().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxEventBytes) {
          throw EventTooLargeException.of(request.streamId(), e.eventType(), bytes, maxEventBytes);
        }
      }
    }
  }
}
