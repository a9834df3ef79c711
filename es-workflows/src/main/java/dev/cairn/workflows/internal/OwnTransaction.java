package dev.cairn.workflows.internal;

import io.opentelemetry.context.Context;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs work on a thread of its own, so that it gets its own connection and transaction: Jdbi hands
 * a nested {@code withHandle} on the same thread the handle already open there, which would put a
 * command's append inside the runner's (or the scheduler's) transaction. A dispatch must commit by
 * itself, before the checkpoint, for the idempotency keys to make a repeat harmless.
 */
final class OwnTransaction {

  private static final AtomicInteger THREADS = new AtomicInteger();

  private static final ExecutorService EXECUTOR =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "cairn-workflow-dispatch-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
          });

  private OwnTransaction() {}

  /** Runs the work on another thread and waits for it; its exception is rethrown as it was. */
  static <T> T call(Supplier<T> work) {
    // The current trace context goes along: the command's span stays a child of the process span.
    Future<T> f = EXECUTOR.submit(Context.current().wrap(work::get));
    try {
      return f.get();
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a dispatch", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    }
  }
}
