package dev.cairn.store.jdbc.internal;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.AppendResult;
import dev.cairn.api.ConcurrencyConflictException;
import dev.cairn.api.EventTooLargeException;
import dev.cairn.api.NewEvent;
import dev.cairn.store.jdbc.spi.StoreTables;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
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
   */
  public Appender(
      Jdbi jdbi,
      StoreTables tables,
      GlobalFence fence,
      StreamReader streams,
      int maxEventBytes,
      String notifyChannel,
      MeterRegistry meters) {
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
  }

  /**
   * Appends in a transaction of its own.
   *
   * @param request what to append
   * @return what was written
   * @throws ConcurrencyConflictException if the stream is at another version
   */
  public AppendResult append(AppendRequest request) {
    return timedAppend(request, h -> statement.execute(h, request, true));
  }

  /**
   * Appends, first running other work (recording an idempotency key) in the same transaction.
   *
   * @param request what to append
   * @param before the work, or null for none
   * @return what was written
   * @throws ConcurrencyConflictException if the stream is at another version
   */
  public AppendResult append(AppendRequest request, Consumer<Handle> before) {
    if (before == null) {
      return append(request);
    }
    return timedAppend(
        request,
        h -> {
          // Declared before the key's insert, the transaction's first write.
          h.execute(AppendStatement.REPEATABLE_READ + "; " + fence.declareSql());
          before.accept(h);
          return statement.execute(h, request, false);
        });
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
      return statement.execute(handle, request, false);
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
  private record Declaration(boolean declared, String txId) {}

  /**
   * Registers a listener called after every append of this appender commits.
   *
   * @param listener the listener
   */
  public void addListener(Consumer<AppendResult> listener) {
    listeners.add(listener);
  }

  private AppendResult timedAppend(AppendRequest request, HandleWork<AppendResult> work) {
    checkSizes(request);
    Timer.Sample sample = Timer.start(meters);
    try {
      AppendResult result = inAppendTransaction(request.streamId(), request.expectedVersion(), work);
      afterCommit(result);
      return result;
    } finally {
      sample.stop(appendTimer);
    }
  }

  /**
   * Runs work in one REPEATABLE READ transaction, mapping a lost race to a {@link
   * ConcurrencyConflictException} on the given stream.
   */
  private <T> T inAppendTransaction(String streamId, long expectedVersion, HandleWork<T> work) {
    try {
      // The work sets REPEATABLE READ itself, in the same round trip as its first statement.
      return jdbi.inTransaction(work::run);
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
