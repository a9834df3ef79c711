package dev.cairn.sample.orders;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;

/**
 * What an application started, to stop in the reverse order: the write side ({@link OrdersApp})
 * and the read side ({@link ReadSideApp}) keep their servers, pools and services here.
 */
final class Resources implements AutoCloseable {

  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final Logger log;

  /**
   * Creates an empty stack.
   *
   * @param log where a resource that fails to stop is reported (the application's logger)
   */
  Resources(Logger log) {
    this.log = log;
  }

  /** Keeps a resource to stop on {@link #close()}, after every resource kept later; returns it. */
  <T extends AutoCloseable> T keep(T resource) {
    started.push(resource);
    return resource;
  }

  /** Stops everything in the reverse order of starting it; a failure is logged and the rest still stop. */
  @Override
  public synchronized void close() {
    while (!started.isEmpty()) {
      AutoCloseable r = started.pop();
      try {
        r.close();
      } catch (Exception e) {
        log.warn("stopping {} failed: {}", r, e.toString());
      }
    }
  }
}
