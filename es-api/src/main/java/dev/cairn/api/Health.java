package dev.cairn.api;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * The health of one component of Cairn (the store, a relay, a projection runner), with the causes
 * of anything short of {@link Status#UP} named. The sample's {@code /health}, the admin API and the
 * Spring Boot starter map it to their own formats.
 *
 * @param component the component's name, such as {@code relay} or {@code projection order_summary}
 * @param status the worst status among the causes, {@link Status#UP} when there are none
 * @param causes what makes the component degraded or down, oldest first; empty when up
 * @param since when the component entered its current status
 */
public record Health(String component, Status status, List<Cause> causes, Instant since) {

  /** How well a component works, from best to worst. */
  public enum Status {
    /** It makes progress. */
    UP,
    /** It makes progress, but late or with a problem an operator should look at. */
    DEGRADED,
    /** It cannot make progress. */
    DOWN
  }

  /**
   * One reason a component is not up.
   *
   * @param code a stable, machine-readable name, such as {@code kafka-unreachable} or {@code
   *     fence-held}
   * @param status how bad it is
   * @param message what is wrong, with the values that matter
   * @param since when it started
   */
  public record Cause(String code, Status status, String message, Instant since) {
    /**
     * Checks the fields.
     *
     * @throws NullPointerException if one is null
     */
    public Cause {
      requireNonNull(code, "code");
      requireNonNull(status, "status");
      requireNonNull(message, "message");
      requireNonNull(since, "since");
    }
  }

  /**
   * Checks the fields and copies the causes.
   *
   * @throws NullPointerException if one is null
   */
  public Health {
    requireNonNull(component, "component");
    requireNonNull(status, "status");
    causes = List.copyOf(causes);
    requireNonNull(since, "since");
  }

  /**
   * Describes a component from its causes: its status is the worst of theirs.
   *
   * @param component the component's name
   * @param causes its causes, possibly none
   * @param since when it entered its current status
   * @return the health
   */
  public static Health of(String component, List<Cause> causes, Instant since) {
    return new Health(component, worst(causes.stream().map(Cause::status).toList()), causes, since);
  }

  /**
   * Returns the worst of some statuses.
   *
   * @param statuses the statuses
   * @return the worst, {@link Status#UP} if there are none
   */
  public static Status worst(List<Status> statuses) {
    return statuses.stream().max(Comparator.naturalOrder()).orElse(Status.UP);
  }

  /**
   * Tells whether the component is up.
   *
   * @return whether its status is {@link Status#UP}
   */
  public boolean isUp() {
    return status == Status.UP;
  }
}
