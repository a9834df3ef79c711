package dev.cairn.bus.kafka.internal;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * How the relay's thread waits: for appends (a wake-up or the poll interval), and for a pause (a
 * back-off, the lock's retry, the linger) that a stop ends early. Wake-ups and the stop come from
 * other threads. Not API.
 */
final class RelayWaits {

  private final Semaphore wakeUps = new Semaphore(0);
  private final CountDownLatch stopping = new CountDownLatch(1);

  /** The permits appends release; a prefetch waits on them too. */
  Semaphore wakeUps() {
    return wakeUps;
  }

  /** Makes the relay read again now; one pending permit is enough, more would only spin it. */
  void wake() {
    if (wakeUps.availablePermits() == 0) {
      wakeUps.release();
    }
  }

  /** Asks the relay to stop, ending any wait. */
  void stop() {
    stopping.countDown();
    wakeUps.release();
  }

  boolean stopRequested() {
    return stopping.getCount() == 0;
  }

  /** Waits for a wake-up, at most {@code pollInterval}, then forgets the wake-ups that piled up. */
  void awaitWork(Duration pollInterval) {
    if (stopRequested()) {
      // stop() released a permit, which a prefetch may have taken.
      return;
    }
    try {
      wakeUps.tryAcquire(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
      wakeUps.drainPermits();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping.countDown();
    }
  }

  /** Pauses, waking early if asked to stop; true if asked to stop. */
  boolean pause(Duration duration) {
    try {
      return stopping.await(duration.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping.countDown();
      return true;
    }
  }
}
