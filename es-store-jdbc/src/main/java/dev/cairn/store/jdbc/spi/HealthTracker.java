package dev.cairn.store.jdbc.spi;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.Health;
import dev.cairn.api.Health.Cause;
import dev.cairn.api.Health.Status;
import dev.cairn.api.HealthIndicator;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a component's {@link Health}: components raise a named cause when a stall starts and clear
 * it when it ends. A cause is logged once at WARN when it appears (or gets worse) and once at INFO
 * when it clears, with how long it lasted; raising it again while it holds only updates its
 * message, so a loop that keeps failing does not flood the log. The status is also a gauge, {@code
 * cairn.health.status} (0 up, 1 degraded, 2 down) tagged with the component. Thread-safe.
 */
public final class HealthTracker implements HealthIndicator {

  private static final Logger LOG = LoggerFactory.getLogger(HealthTracker.class);

  private final String component;
  private final Clock clock;
  private final Map<String, Cause> causes = new LinkedHashMap<>();
  private Status status = Status.UP;
  private Instant since;

  /**
   * Creates a tracker for a component that starts up.
   *
   * @param component the component's name, as shown in health and logs
   * @param clock the clock for {@code since}
   */
  public HealthTracker(String component, Clock clock) {
    this.component = requireNonNull(component, "component");
    this.clock = requireNonNull(clock, "clock");
    this.since = clock.instant();
  }

  /**
   * Creates a tracker on the system clock.
   *
   * @param component the component's name
   */
  public HealthTracker(String component) {
    this(component, Clock.systemUTC());
  }

  /**
   * Publishes the status as the gauge {@code cairn.health.status}.
   *
   * @param registry where to register it
   * @return this tracker
   */
  public HealthTracker bindTo(MeterRegistry registry) {
    Gauge.builder("cairn.health.status", this, t -> t.health().status().ordinal())
        .description("0 up, 1 degraded, 2 down")
        .tag("component", component)
        .register(registry);
    return this;
  }

  /**
   * Raises a cause, or updates its message (and status) if it is already raised; its {@code since}
   * stays that of its start.
   *
   * @param code the cause's stable name
   * @param causeStatus how bad it is ({@link Status#DEGRADED} or {@link Status#DOWN})
   * @param message what is wrong, with the values
   * @throws IllegalArgumentException if the status is {@link Status#UP}
   */
  public void raise(String code, Status causeStatus, String message) {
    requireNonNull(code, "code");
    requireNonNull(message, "message");
    if (requireNonNull(causeStatus, "causeStatus") == Status.UP) {
      throw new IllegalArgumentException("a cause must be DEGRADED or DOWN but " + code + " was UP");
    }
    synchronized (this) {
      Cause previous = causes.get(code);
      Instant started = previous == null ? clock.instant() : previous.since();
      causes.put(code, new Cause(code, causeStatus, message, started));
      if (previous == null || previous.status().compareTo(causeStatus) < 0) {
        LOG.warn("{} is {}: {} [{}]", component, causeStatus, message, code);
      }
      update();
    }
  }

  /**
   * Clears a cause if it is raised, logging at INFO how long it lasted.
   *
   * @param code the cause's name
   * @return whether it was raised
   */
  public boolean clear(String code) {
    synchronized (this) {
      Cause previous = causes.remove(requireNonNull(code, "code"));
      if (previous == null) {
        return false;
      }
      LOG.info(
          "{}: {} ended after {} ms [{}]",
          component,
          previous.message(),
          Duration.between(previous.since(), clock.instant()).toMillis(),
          code);
      update();
      return true;
    }
  }

  /**
   * Raises a cause when a condition holds and clears it otherwise.
   *
   * @param condition whether the cause holds now
   * @param code the cause's name
   * @param causeStatus how bad it is when it holds
   * @param message what is wrong (built only when it holds)
   */
  public void set(boolean condition, String code, Status causeStatus, java.util.function.Supplier<String> message) {
    if (condition) {
      raise(code, causeStatus, message.get());
    } else {
      clear(code);
    }
  }

  /**
   * Tells whether a cause is raised.
   *
   * @param code the cause's name
   * @return whether it is
   */
  public synchronized boolean isRaised(String code) {
    return causes.containsKey(code);
  }

  private void update() {
    Status now = Health.worst(causes.values().stream().map(Cause::status).toList());
    if (now != status) {
      status = now;
      since = clock.instant();
    }
  }

  @Override
  public synchronized Health health() {
    return new Health(component, status, new ArrayList<>(causes.values()), since);
  }

  /**
   * Returns the causes raised now.
   *
   * @return the causes, oldest first
   */
  public synchronized List<Cause> causes() {
    return List.copyOf(causes.values());
  }
}
