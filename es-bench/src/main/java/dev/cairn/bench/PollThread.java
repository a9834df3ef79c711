package dev.cairn.bench;

import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * The daemon thread a bench watcher queries the database on: it runs one round after another
 * until stopped, and keeps the failure that ended it for the measuring thread to see.
 */
final class PollThread {

  /** One round of the loop; it waits between rounds itself. */
  interface Round {
    void run() throws SQLException;
  }

  private final Thread thread;
  private volatile boolean stopped;
  private volatile @Nullable Throwable failure;

  /** Starts the thread with this name. */
  PollThread(String name, Round round) {
    this.thread = new Thread(() -> loop(round), name);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Throws if the loop failed.
   *
   * @param role what runs the loop, for the message, such as {@code sampler}
   * @throws IllegalStateException with the failure as its cause
   */
  void check(String role) {
    Throwable t = failure;
    if (t != null) {
      throw new IllegalStateException(role + " failed: " + t, t);
    }
  }

  /** Stops the loop after its round and waits up to 10 s for the thread to end. */
  void stop() {
    stopped = true;
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void loop(Round round) {
    try {
      while (!stopped) {
        round.run();
      }
    } catch (SQLException | RuntimeException e) {
      failure = e;
    }
  }
}
