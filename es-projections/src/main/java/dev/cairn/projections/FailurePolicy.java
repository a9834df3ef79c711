package dev.cairn.projections;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.RecordedEvent;
import dev.cairn.api.spi.SetOnce;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How a runner treats an event its projection fails to apply: retries with exponential backoff,
 * then a verdict (by default: park it); and whether later events of the same stream wait behind a
 * parked one. Immutable; made by {@link #builder()}.
 *
 * <p>A retry is a new batch: the runner commits the events before the failing one, waits out the
 * backoff outside any transaction and starts again at the failing event. Attempts are counted in
 * the runner's memory, so a runner that restarts counts them from one again.
 */
public final class FailurePolicy {

  /** Decides what to do with a failed event. */
  @FunctionalInterface
  public interface ErrorHandler {
    /**
     * Returns the verdict on a failure.
     *
     * @param event the event that failed
     * @param error the failure
     * @param attempts how many times it has been tried, from 1
     * @return the verdict
     */
    ErrorVerdict onError(RecordedEvent event, Throwable error, int attempts);
  }

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final boolean streamWaitsBehindParked;
  private final @Nullable ErrorHandler handler;

  private FailurePolicy(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.streamWaitsBehindParked = b.streamWaitsBehindParked;
    this.handler = b.handler;
  }

  /**
   * Returns the default policy: 3 attempts, backoff 50 ms doubling up to 1 s, then park; later
   * events of the stream wait behind a parked one.
   *
   * @return the policy
   */
  public static FailurePolicy defaults() {
    return builder().build();
  }

  /**
   * Starts a policy.
   *
   * @return a builder with the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the verdict on a failed attempt.
   *
   * @param event the event
   * @param error the failure
   * @param attempts the attempts so far
   * @return the verdict
   */
  public ErrorVerdict verdict(RecordedEvent event, Throwable error, int attempts) {
    if (handler != null) {
      return requireNonNull(handler.onError(event, error, attempts), "error handler's verdict");
    }
    return attempts < maxAttempts ? ErrorVerdict.RETRY : ErrorVerdict.PARK;
  }

  /**
   * Returns the wait before the next attempt.
   *
   * @param attempts the attempts so far, from 1
   * @return the backoff
   */
  public Duration backoff(int attempts) {
    long millis = initialBackoff.toMillis() << Math.min(20, Math.max(0, attempts - 1));
    return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
  }

  /**
   * Returns the number of attempts before the default verdict parks an event.
   *
   * @return the attempts
   */
  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * Tells whether the later events of a stream wait behind a parked event of it.
   *
   * @return true if they wait
   */
  public boolean streamWaitsBehindParked() {
    return streamWaitsBehindParked;
  }

  /**
   * Configures a {@link FailurePolicy}; each setter checks its argument at once and refuses a second
   * call, naming the value set first.
   */
  public static final class Builder {
    private final SetOnce set = new SetOnce();
    private int maxAttempts = 3;
    private Duration initialBackoff = Duration.ofMillis(50);
    private Duration maxBackoff = Duration.ofSeconds(1);
    private boolean streamWaitsBehindParked = true;
    private @Nullable ErrorHandler handler;

    private Builder() {}

    /**
     * Sets the attempts before an event is parked (default 3).
     *
     * @param value at least 1
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if below 1
     */
    public Builder maxAttempts(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("max attempts must be >= 1 but was " + value);
      }
      this.maxAttempts = set.once("max attempts", value);
      return this;
    }

    /**
     * Sets the backoff: the first wait, doubling up to the longest.
     *
     * @param initial the first wait (default 50 ms)
     * @param max the longest wait (default 1 s)
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if negative or initial exceeds max
     */
    public Builder backoff(Duration initial, Duration max) {
      requireNonNull(initial, "initial");
      requireNonNull(max, "max");
      if (initial.isNegative() || initial.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            "backoff must satisfy 0 <= initial <= max but was initial=" + initial + ", max=" + max);
      }
      set.once("backoff", "initial=" + initial + ", max=" + max);
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /**
     * Sets whether later events of a stream wait behind its parked event (default true), so that
     * a stream's events are always applied in order; if false they go on.
     *
     * @param value true to wait
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder streamWaitsBehindParked(boolean value) {
      this.streamWaitsBehindParked = set.once("stream waits behind parked", value);
      return this;
    }

    /**
     * Sets a handler that gives the verdict instead of the attempt count.
     *
     * @param value the handler
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder errorHandler(ErrorHandler value) {
      this.handler = set.once("error handler", value);
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     */
    public FailurePolicy build() {
      return new FailurePolicy(this);
    }
  }
}
