package dev.cairn.bus.kafka.internal;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Reads the relay's next batch while the previous batch's Kafka transaction commits, so that the
 * next transaction begins and sends as soon as the commit returns. A Kafka producer runs one
 * transaction at a time and {@code commitTransaction} blocks; without this, the store read, the
 * record building and the lock check would wait for the commit and then delay the next one.
 *
 * <p>Guarantees, as without it (DESIGN.md, "Relay to Kafka"): a prefetch starts exactly after the
 * last position of the batch in flight; it is taken only once that batch's transaction committed,
 * and discarded otherwise (then the relay resumes from the position committed in Kafka, as after
 * any failure). At most one batch is prefetched, of at most the batch size. The prefetch only
 * reads the database: nothing reaches Kafka outside the relay's thread.
 *
 * <p>While the commit runs, the prefetch reads once, then again on each wake-up (an append),
 * topping the batch up, until the batch is full or the relay takes it.
 */
final class BatchPrefetch implements AutoCloseable {

  private final BatchPublisher publisher;
  private final int batchSize;
  private final Semaphore wakeUps;
  private final BooleanSupplier lockHeld;
  private final Runnable afterRead;
  private final ExecutorService thread;

  /**
   * @param wakeUps the relay's wake-ups: one permit per pending notice of an append
   * @param lockHeld checks, with a round trip, that the relay still holds its lock
   * @param afterRead a test hook run after each read that found events
   */
  BatchPrefetch(
      BatchPublisher publisher, int batchSize, Semaphore wakeUps, BooleanSupplier lockHeld, Runnable afterRead,
      String id) {
    this.publisher = publisher;
    this.batchSize = batchSize;
    this.wakeUps = wakeUps;
    this.lockHeld = lockHeld;
    this.afterRead = afterRead;
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "cairn-relay-prefetch-" + id);
      t.setDaemon(true);
      return t;
    });
  }

  /** What a prefetch read: the batch, and whether the lock was still held when it began. */
  record Result(BatchPublisher.Prepared batch, boolean lockHeld) {}

  /** A prefetch under way; {@link #take()} or {@link #discard()} it, once. */
  final class Pending {
    private final GlobalPosition after;
    private final CompletableFuture<Result> result = new CompletableFuture<>();
    private volatile boolean taken;

    private Pending(GlobalPosition after) {
      this.after = after;
    }

    /** The position the prefetched batch starts after. */
    GlobalPosition after() {
      return after;
    }

    /**
     * Takes the batch once the transaction before it committed: stops the top-ups and waits for
     * the read in progress, if any.
     *
     * @throws RuntimeException what the prefetch failed with (a database error, say)
     */
    Result take() {
      taken = true;
      // Wakes a prefetch waiting for an append; a permit left over costs one more read at most.
      wakeUps.release();
      try {
        return result.get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        if (e.getCause() instanceof Error err) {
          throw err;
        }
        throw new IllegalStateException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while taking the prefetched batch", e);
      }
    }

    /**
     * Drops the batch: the transaction before it did not commit (or its outcome is unknown), so
     * the relay starts over from the position committed in Kafka. Waits until the prefetch has
     * ended, so that it no longer uses the lock's connection.
     */
    void discard() {
      taken = true;
      wakeUps.release();
      try {
        result.get(1, TimeUnit.MINUTES);
      } catch (ExecutionException | CancellationException ignored) {
        // Dropped anyway.
      } catch (java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException("the prefetch after " + after + " did not end in a minute", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private void run() {
      try {
        result.complete(read());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    }

    private Result read() throws InterruptedException {
      boolean held = lockHeld.getAsBoolean();
      List<RecordedEvent> events = new ArrayList<>();
      List<BatchPublisher.Prepared> parts = new ArrayList<>();
      GlobalPosition at = after;
      long readAt = 0;
      while (held && !taken) {
        // A wake-up after this point may be for an event this read misses: it stays for the next.
        wakeUps.drainPermits();
        List<RecordedEvent> more = publisher.read(at, batchSize - events.size());
        if (!more.isEmpty()) {
          if (events.isEmpty()) {
            readAt = System.currentTimeMillis();
          }
          events.addAll(more);
          at = more.get(more.size() - 1).position();
          // Built now, while the commit still runs, not after it.
          parts.add(publisher.prepare(more, readAt));
          afterRead.run();
        }
        if (events.size() >= batchSize || taken) {
          break;
        }
        // take() adds a permit of its own: an append's permit taken here leaves that one behind.
        wakeUps.acquire();
      }
      return new Result(join(parts, readAt), held);
    }
  }

  /**
   * Starts reading the batch after a position, the last of the batch whose transaction is about
   * to commit.
   *
   * @param after the last position of the batch in flight
   * @return the prefetch
   */
  Pending start(GlobalPosition after) {
    Pending p = new Pending(after);
    try {
      thread.execute(p::run);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      p.result.completeExceptionally(e);
    }
    return p;
  }

  private static BatchPublisher.Prepared join(List<BatchPublisher.Prepared> parts, long readAt) {
    if (parts.size() == 1) {
      return parts.get(0);
    }
    List<RecordedEvent> events = new ArrayList<>();
    List<org.apache.kafka.clients.producer.ProducerRecord<String, byte[]>> records = new ArrayList<>();
    for (BatchPublisher.Prepared p : parts) {
      events.addAll(p.events());
      records.addAll(p.records());
    }
    return new BatchPublisher.Prepared(List.copyOf(events), List.copyOf(records), readAt);
  }

  /** Stops the prefetch thread; a prefetch under way ends at its next read or wake-up. */
  @Override
  public void close() {
    thread.shutdownNow();
  }
}
