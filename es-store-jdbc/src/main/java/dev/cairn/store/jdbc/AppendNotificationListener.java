package dev.cairn.store.jdbc;

import dev.cairn.store.jdbc.spi.WarnOnce;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on a PostgreSQL LISTEN/NOTIFY channel on a connection of its own and calls a wake-up
 * whenever a notification with the expected payload arrives, so appends in other processes wake
 * a relay or a runner at once. A lost notification costs at most the waker's poll interval.
 */
final class AppendNotificationListener implements JdbcEventStore.AppendSubscription {

  private static final Logger LOG = LoggerFactory.getLogger(AppendNotificationListener.class);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final Jdbi jdbi;
  private final String channel;
  private final String payload;
  private final Runnable wake;
  private final int waitMillis;
  private final Thread thread;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final WarnOnce warn = new WarnOnce(LOG);

  /**
   * Starts listening.
   *
   * @param jdbi the database
   * @param channel the channel, a fixed identifier of Cairn's code
   * @param payload the payload that concerns this listener (the store's schema)
   * @param wake called on each matching notification
   * @param threadName the listening thread's name
   */
  AppendNotificationListener(Jdbi jdbi, String channel, String payload, Runnable wake, String threadName) {
    this.jdbi = jdbi;
    this.channel = channel;
    this.payload = payload;
    this.wake = wake;
    this.waitMillis = 500;
    this.thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    long backoff = 100;
    while (stop.getCount() > 0) {
      try (Handle h = jdbi.open()) {
        h.execute("LISTEN " + channel);
        PGConnection pg = h.getConnection().unwrap(PGConnection.class);
        if (warn.clear()) {
          LOG.info("listening on {} again", channel);
        }
        backoff = 100;
        // A notification sent while the listener was not connected is lost: wake once to cover it.
        wake.run();
        try {
          while (stop.getCount() > 0) {
            if (awaitMatching(pg)) {
              wake.run();
            }
          }
        } finally {
          // The connection goes back to its pool: it must not go on collecting notifications.
          h.execute("UNLISTEN *");
        }
      } catch (Exception e) {
        if (stop.getCount() == 0) {
          return;
        }
        warn.report("listening on " + channel + " (retrying)", e);
        try {
          if (stop.await(backoff, TimeUnit.MILLISECONDS)) {
            return;
          }
        } catch (InterruptedException ie) {
          return;
        }
        backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
      }
    }
  }

  /**
   * Waits up to {@code waitMillis} for notifications and tells whether one carries the expected
   * payload.
   */
  private boolean awaitMatching(PGConnection pg) throws SQLException {
    PGNotification[] got = pg.getNotifications(waitMillis);
    if (got != null) {
      for (PGNotification n : got) {
        if (payload.equals(n.getParameter())) {
          return true;
        }
      }
    }
    return false;
  }

  /** Stops listening and waits for the listening thread to end. */
  @Override
  public void close() {
    stop.countDown();
    try {
      thread.join(waitMillis * 4L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
