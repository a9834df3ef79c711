package dev.cairn.projections;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.spi.Checks;
import java.util.Set;

/**
 * What identifies a projection: its name (an SQL identifier: it names the reader view and the
 * tables), its version (bumped to rebuild) and the logical event types it handles.
 *
 * @param name the name, matching {@code [a-z_][a-z0-9_]*}, at most 40 characters
 * @param version the version, from 1
 * @param eventTypes the logical event types handled; empty means every type (but a runner of a
 *     projection made by {@link Projections#builder} then reads only the types its handlers'
 *     classes are registered under)
 */
public record ProjectionSpec(String name, int version, Set<String> eventTypes) {

  /**
   * Checks the components.
   *
   * @throws IllegalArgumentException if the name is not an identifier of at most 40 characters or
   *     the version is below 1
   * @throws NullPointerException if the types are null
   */
  public ProjectionSpec {
    Checks.sqlIdentifier("projection name", name);
    if (name.length() > 40) {
      throw new IllegalArgumentException(
          "projection name must be at most 40 characters but was " + name.length() + ": " + name);
    }
    if (version < 1) {
      throw new IllegalArgumentException("projection " + name + ": version must be >= 1 but was " + version);
    }
    eventTypes = Set.copyOf(requireNonNull(eventTypes, "eventTypes"));
  }

  /**
   * Creates a spec.
   *
   * @param name the name
   * @param version the version
   * @param eventTypes the handled types; none means every type
   * @return the spec
   * @throws IllegalArgumentException if the name or the version breaks its rule
   */
  public static ProjectionSpec of(String name, int version, String... eventTypes) {
    return new ProjectionSpec(name, version, Set.of(eventTypes));
  }

  /**
   * Tells whether the projection handles an event type.
   *
   * @param eventType the logical type
   * @return true if handled
   */
  public boolean handles(String eventType) {
    return eventTypes.isEmpty() || eventTypes.contains(eventType);
  }

  @Override
  public String toString() {
    return name + " v" + version;
  }
}
