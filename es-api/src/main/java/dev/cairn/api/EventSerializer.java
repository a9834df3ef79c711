package dev.cairn.api;

import java.util.Optional;
import java.util.Set;

/**
 * Turns events and aggregate states into JSON and back, naming events logically (never by Java
 * class) and upcasting old revisions on read.
 */
public interface EventSerializer {

  /**
   * Writes an event.
   *
   * @param event the event, of a registered class
   * @return its type name, revision and JSON
   * @throws UnregisteredEventException if its class is not registered
   * @throws EventSerializationException if it cannot be written
   */
  SerializedEvent serialize(Object event);

  /**
   * Reads a stored event into its current record, upcasting it from its stored revision.
   *
   * @param recorded the stored event
   * @return the event record
   * @throws UnknownEventTypeException if the type or revision has no registration, naming the
   *     stream and position
   * @throws EventSerializationException if the payload cannot be read into the record
   */
  Object deserialize(RecordedEvent recorded);

  /**
   * Tells whether a class is a registered event class.
   *
   * @param eventClass the class
   * @return true if events of it can be written
   */
  boolean isRegistered(Class<?> eventClass);

  /**
   * Returns the logical type names that events of a class, or of its subclasses, are written
   * under: a projection with a handler for the class needs to read only those. By default a
   * serializer cannot tell, and every type must be read.
   *
   * @param eventClass a class or interface (a sealed family's, say)
   * @return the names, possibly none; empty if this serializer cannot tell
   */
  default Optional<Set<String>> eventTypesOf(Class<?> eventClass) {
    return Optional.empty();
  }

  /**
   * Writes an aggregate state, for a snapshot.
   *
   * @param state the state
   * @return its JSON
   * @throws EventSerializationException if it cannot be written
   */
  String writeState(Object state);

  /**
   * Reads an aggregate state from a snapshot.
   *
   * @param json the JSON
   * @param type the state's class
   * @param <S> the state's type
   * @return the state
   * @throws EventSerializationException if it cannot be read
   */
  <S> S readState(String json, Class<S> type);
}
