package dev.cairn.testkit.internal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A shutdown hook that stops a server only if its owner did not. JVM shutdown hooks run all at
 * once, so a hook that stopped the server at once would pull it from under an application that
 * is still stopping its own parts in order (a relay committing, a runner closing); this one first
 * gives the owner a grace period to close the server itself.
 */
final class LastResort {

  private static final long GRACE_SECONDS = 10;

  private final CountDownLatch closed = new CountDownLatch(1);
  private final Thread hook;

  LastResort(String name, Runnable stop) {
    this.hook =
        new Thread(
            () -> {
              try {
                if (closed.await(GRACE_SECONDS, TimeUnit.SECONDS)) {
                  return;
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              stop.run();
            },
            name);
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Records that the owner closed the server; the hook then does nothing. */
  void closed() {
    closed.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // The hook is running; the latch tells it to return.
    }
  }
}
