package dev.cairn.admin.http;

import java.time.Duration;
import java.util.Objects;

/**
 * What the embedded server allows one client: how long it may take to send a request's headers
 * and its body, how large a body may be, how many connections may be open, how many requests run
 * at once and how many wait. Past a limit the client gets 408, 413 or 503 (or, for headers that
 * never end, a closed connection) instead of holding the server.
 *
 * @param headerTimeout the longest a request's line and headers may take to arrive
 * @param bodyTimeout the longest a request's body may take to arrive, from the end of its headers
 * @param idleTimeout how long a connection may stay silent (between requests, or mid-request)
 * @param maxBodyBytes the largest request body, in bytes
 * @param maxConnections the most connections open at once; more wait to be accepted
 * @param workers the requests handled at once (each may block on the database)
 * @param queue the requests that may wait for a worker; past that the answer is 503
 */
public record HttpLimits(
    Duration headerTimeout,
    Duration bodyTimeout,
    Duration idleTimeout,
    int maxBodyBytes,
    int maxConnections,
    int workers,
    int queue) {

  /**
   * Checks the limits.
   *
   * @param headerTimeout the longest a request's line and headers may take to arrive
   * @param bodyTimeout the longest a request's body may take to arrive
   * @param idleTimeout how long a connection may stay silent
   * @param maxBodyBytes the largest request body, in bytes
   * @param maxConnections the most connections open at once
   * @param workers the requests handled at once
   * @param queue the requests that may wait for a worker
   * @throws NullPointerException if a duration is null
   * @throws IllegalArgumentException if a duration is not positive or a number is below 1 (below
   *     0 for {@code queue})
   */
  public HttpLimits {
    positive(headerTimeout, "headerTimeout");
    positive(bodyTimeout, "bodyTimeout");
    positive(idleTimeout, "idleTimeout");
    atLeast(maxBodyBytes, 1, "maxBodyBytes");
    atLeast(maxConnections, 1, "maxConnections");
    atLeast(workers, 1, "workers");
    atLeast(queue, 0, "queue");
  }

  /**
   * Returns the sample's limits: 10 s for headers, 30 s for a body of at most 1 MiB, 30 s idle,
   * 512 connections, 16 workers and 256 waiting requests.
   *
   * @return the defaults
   */
  public static HttpLimits defaults() {
    return new HttpLimits(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(30), 1 << 20, 512, 16, 256);
  }

  /**
   * Returns these limits with another header timeout.
   *
   * @param timeout the longest a request's line and headers may take to arrive
   * @return the new limits
   */
  public HttpLimits withHeaderTimeout(Duration timeout) {
    return new HttpLimits(timeout, bodyTimeout, idleTimeout, maxBodyBytes, maxConnections, workers, queue);
  }

  /**
   * Returns these limits with another body timeout.
   *
   * @param timeout the longest a request's body may take to arrive
   * @return the new limits
   */
  public HttpLimits withBodyTimeout(Duration timeout) {
    return new HttpLimits(headerTimeout, timeout, idleTimeout, maxBodyBytes, maxConnections, workers, queue);
  }

  /**
   * Returns these limits with another idle timeout.
   *
   * @param timeout how long a connection may stay silent
   * @return the new limits
   */
  public HttpLimits withIdleTimeout(Duration timeout) {
    return new HttpLimits(headerTimeout, bodyTimeout, timeout, maxBodyBytes, maxConnections, workers, queue);
  }

  /**
   * Returns these limits with another largest body.
   *
   * @param bytes the largest request body
   * @return the new limits
   */
  public HttpLimits withMaxBodyBytes(int bytes) {
    return new HttpLimits(headerTimeout, bodyTimeout, idleTimeout, bytes, maxConnections, workers, queue);
  }

  /**
   * Returns these limits with another connection limit.
   *
   * @param connections the most connections open at once
   * @return the new limits
   */
  public HttpLimits withMaxConnections(int connections) {
    return new HttpLimits(headerTimeout, bodyTimeout, idleTimeout, maxBodyBytes, connections, workers, queue);
  }

  /**
   * Returns these limits with other worker and queue sizes.
   *
   * @param workers the requests handled at once
   * @param queue the requests that may wait for a worker
   * @return the new limits
   */
  public HttpLimits withWorkers(int workers, int queue) {
    return new HttpLimits(headerTimeout, bodyTimeout, idleTimeout, maxBodyBytes, maxConnections, workers, queue);
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + d);
    }
  }

  private static void atLeast(int value, int min, String name) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
    }
  }
}
