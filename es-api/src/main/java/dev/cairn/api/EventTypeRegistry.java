package dev.cairn.api;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Maps event classes to logical type names and revisions, and holds the upcasters that bring old
 * revisions to the current one. Immutable; made by {@link #builder()}.
 *
 * <pre>{@code
 * EventTypeRegistry types = EventTypeRegistry.builder()
 *     .registerSealed(OrderEvent.class)  // every record, named by its simple name, revision 1
 *     .revision("OrderPlaced", 2)        // a type whose shape changed once
 *     .upcaster("OrderPlaced", 1, json -> json.put("currency", "EUR"))
 *     .build();
 * }</pre>
 */
public final class EventTypeRegistry {

  /** What a registration holds: the name and the current revision of a class. */
  public record EventType(String name, int revision, Class<?> javaClass) {}

  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9._-]{0,127}");

  private final Map<Class<?>, EventType> byClass;
  private final Map<String, EventType> byName;
  private final Map<String, Upcaster> upcasters; // key: name + "@" + fromRevision

  private EventTypeRegistry(Builder b) {
    this.byClass = Map.copyOf(b.byClass);
    this.byName = Map.copyOf(b.byName);
    this.upcasters = Map.copyOf(b.upcasters);
  }

  /**
   * Starts a registry.
   *
   * @return an empty builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Finds the registration of a class.
   *
   * @param eventClass the class
   * @return its registration, if any
   */
  public Optional<EventType> forClass(Class<?> eventClass) {
    return Optional.ofNullable(byClass.get(eventClass));
  }

  /**
   * Finds the registration of a type name.
   *
   * @param name the logical name
   * @return its registration, if any
   */
  public Optional<EventType> forName(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /**
   * Returns the logical names of a class and of every registered class below it: for a sealed
   * interface, the names of its registered records; for a registered record, its own name.
   *
   * @param type a class or interface
   * @return the names, empty if neither it nor any subtype is registered
   * @throws NullPointerException if the type is null
   */
  public Set<String> namesOf(Class<?> type) {
    requireNonNull(type, "type");
    Set<String> names = new TreeSet<>();
    for (EventType t : byClass.values()) {
      if (type.isAssignableFrom(t.javaClass())) {
        names.add(t.name());
      }
    }
    return Collections.unmodifiableSet(names);
  }

  /**
   * Finds the upcaster from one revision of a type to the next.
   *
   * @param name the logical name
   * @param fromRevision the older revision
   * @return the upcaster, if registered
   */
  public Optional<Upcaster> upcaster(String name, int fromRevision) {
    return Optional.ofNullable(upcasters.get(name + "@" + fromRevision));
  }

  /** Builds an {@link EventTypeRegistry}; each method checks its arguments at once. */
  public static final class Builder {
    private final Map<Class<?>, EventType> byClass = new LinkedHashMap<>();
    private final Map<String, EventType> byName = new HashMap<>();
    private final Map<String, Upcaster> upcasters = new HashMap<>();

    private Builder() {}

    /**
     * Registers every record that a sealed interface permits (recursively), each under its simple
     * class name at revision 1. Classes already registered keep their registration.
     *
     * @param family the sealed interface
     * @return this builder
     * @throws IllegalArgumentException if the interface is not sealed, a permitted class is
     *     neither a record nor a sealed interface, or two classes share a simple name
     */
    public Builder registerSealed(Class<?> family) {
      requireNonNull(family, "family");
      if (!family.isSealed()) {
        throw new IllegalArgumentException(family.getName() + " is not a sealed interface or class");
      }
      for (Class<?> sub : family.getPermittedSubclasses()) {
        if (sub.isSealed()) {
          registerSealed(sub);
        } else if (sub.isRecord()) {
          if (!byClass.containsKey(sub)) {
            register(sub, sub.getSimpleName(), 1);
          }
        } else {
          throw new IllegalArgumentException(
              "event class " + sub.getName() + " permitted by " + family.getName()
                  + " must be a record or a sealed interface");
        }
      }
      return this;
    }

    /**
     * Registers one class under a logical name at its current revision.
     *
     * @param eventClass the class
     * @param name the logical name, stored with every event of the class
     * @param revision the current revision of its shape, from 1
     * @return this builder
     * @throws IllegalArgumentException if the name is malformed, the revision below 1, or the
     *     class or name already registered
     */
    public Builder register(Class<?> eventClass, String name, int revision) {
      requireNonNull(eventClass, "eventClass");
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "event type name must match " + NAME.pattern() + " but was '" + name + "'");
      }
      if (revision < 1) {
        throw new IllegalArgumentException(
            "revision of event type " + name + " must be >= 1 but was " + revision);
      }
      EventType byThisClass = byClass.get(eventClass);
      if (byThisClass != null) {
        throw new IllegalArgumentException(
            eventClass.getName() + " was already registered as " + byThisClass.name());
      }
      EventType byThisName = byName.get(name);
      if (byThisName != null) {
        throw new IllegalArgumentException(
            "event type name " + name + " was already registered for "
                + byThisName.javaClass().getName());
      }
      EventType type = new EventType(name, revision, eventClass);
      byClass.put(eventClass, type);
      byName.put(name, type);
      return this;
    }

    /**
     * Replaces the revision of a registered type, for a family registered by {@link
     * #registerSealed} whose member changed shape.
     *
     * @param name the logical name
     * @param revision the current revision
     * @return this builder
     * @throws IllegalArgumentException if the name is not registered or the revision below 1
     */
    public Builder revision(String name, int revision) {
      EventType type = byName.get(name);
      if (type == null) {
        throw new IllegalArgumentException("event type " + name + " is not registered");
      }
      if (revision < 1) {
        throw new IllegalArgumentException(
            "revision of event type " + name + " must be >= 1 but was " + revision);
      }
      EventType changed = new EventType(name, revision, type.javaClass());
      byName.put(name, changed);
      byClass.put(type.javaClass(), changed);
      return this;
    }

    /**
     * Registers the upcaster from one revision of a type to the next.
     *
     * @param name the logical name
     * @param fromRevision the older revision it reads
     * @param upcaster the transformation to revision {@code fromRevision + 1}
     * @return this builder
     * @throws IllegalArgumentException if the revision is below 1 or an upcaster for it exists
     */
    public Builder upcaster(String name, int fromRevision, Upcaster upcaster) {
      requireNonNull(name, "name");
      requireNonNull(upcaster, "upcaster");
      if (fromRevision < 1) {
        throw new IllegalArgumentException(
            "upcaster of " + name + " must start at revision >= 1 but was " + fromRevision);
      }
      if (upcasters.putIfAbsent(name + "@" + fromRevision, upcaster) != null) {
        throw new IllegalArgumentException(
            "an upcaster of " + name + " from revision " + fromRevision + " was already registered");
      }
      return this;
    }

    /**
     * Builds the registry.
     *
     * @return the immutable registry
     */
    public EventTypeRegistry build() {
      return new EventTypeRegistry(this);
    }
  }
}
