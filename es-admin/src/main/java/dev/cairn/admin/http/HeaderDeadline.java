package dev.cairn.admin.http;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.jspecify.annotations.Nullable;

/**
 * Closes a connection whose request line and headers take longer than the header timeout to
 * arrive. Jetty reads headers without holding a thread, and its idle timeout restarts with every
 * byte, so a client that sends one byte a second would otherwise keep a connection (and a slot
 * under the connection limit) forever. Jetty 12 has no such timeout of its own: this looks at each
 * open HTTP/1.1 connection a few times per timeout and asks its parser whether it is still inside
 * a request's headers, and since when (counted per request, by the connection's message count).
 */
final class HeaderDeadline extends AbstractLifeCycle implements Connection.Listener {

  private record Partial(long messagesIn, long sinceNanos) {}

  private final long timeoutNanos;
  private final Duration tick;
  private final Map<HttpConnection, Partial> open = new ConcurrentHashMap<>();
  private @Nullable ScheduledExecutorService sweeper;

  HeaderDeadline(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
    this.tick = timeout.dividedBy(4).isZero() ? Duration.ofMillis(1) : timeout.dividedBy(4);
  }

  @Override
  protected void doStart() {
    sweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "cairn-http-header-deadline");
              t.setDaemon(true);
              return t;
            });
    sweeper.scheduleAtFixedRate(this::sweep, tick.toNanos(), tick.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  protected void doStop() {
    // Jetty runs doStop only after doStart, whose first step sets the sweeper.
    requireNonNull(sweeper, "sweeper").shutdownNow();
    open.clear();
  }

  @Override
  public void onOpened(Connection connection) {
    if (connection instanceof HttpConnection http) {
      open.put(http, new Partial(-1, 0));
    }
  }

  @Override
  public void onClosed(Connection connection) {
    if (connection instanceof HttpConnection http) {
      open.remove(http);
    }
  }

  private void sweep() {
    long now = System.nanoTime();
    open.replaceAll(
        (connection, seen) -> {
          // Read from another thread: a stale answer only delays the verdict by one tick.
          boolean inHeaders = !connection.getParser().isStart() && connection.getParser().inHeaderState();
          if (!inHeaders) {
            return new Partial(-1, 0);
          }
          long messages = connection.getMessagesIn();
          if (seen.messagesIn() != messages) {
            return new Partial(messages, now);
          }
          if (now - seen.sinceNanos() >= timeoutNanos) {
            connection.getEndPoint().close();
          }
          return seen;
        });
  }
}
