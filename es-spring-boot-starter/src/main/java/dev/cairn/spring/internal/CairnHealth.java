package dev.cairn.spring.internal;

import dev.cairn.api.Health;
import dev.cairn.api.HealthIndicator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Status;

/**
 * An Actuator health indicator over one of Cairn's components: DOWN is DOWN, UP is UP, DEGRADED is
 * the configured status ({@code UP} by default, or a custom one such as {@code DEGRADED} that the
 * application orders in {@code management.endpoint.health.status.order}); the causes, each with
 * its code, status, message and since when, are in the details, with the component's own figures.
 */
public final class CairnHealth implements org.springframework.boot.health.contributor.HealthIndicator {

  private final HealthIndicator component;
  private final Status degraded;
  private final Supplier<Map<String, Object>> extra;

  /**
   * Wraps a component.
   *
   * @param component the component
   * @param degradedStatus the Actuator status of DEGRADED
   * @param extra further details, asked for on every check
   */
  public CairnHealth(HealthIndicator component, String degradedStatus, Supplier<Map<String, Object>> extra) {
    this.component = component;
    this.degraded = degradedStatus.equals("UP") ? Status.UP : new Status(degradedStatus);
    this.extra = extra;
  }

  @Override
  public org.springframework.boot.health.contributor.Health health() {
    Health health = component.health();
    Status status =
        switch (health.status()) {
          case UP -> Status.UP;
          case DEGRADED -> degraded;
          case DOWN -> Status.DOWN;
        };
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("component", health.component());
    details.put("cairnStatus", health.status().name());
    details.put("since", health.since().toString());
    List<Map<String, Object>> causes = new ArrayList<>();
    for (Health.Cause c : health.causes()) {
      Map<String, Object> cause = new LinkedHashMap<>();
      cause.put("code", c.code());
      cause.put("status", c.status().name());
      cause.put("message", c.message());
      cause.put("since", c.since().toString());
      causes.add(cause);
    }
    details.put("causes", causes);
    details.putAll(extra.get());
    return org.springframework.boot.health.contributor.Health.status(status).withDetails(details).build();
  }
}
