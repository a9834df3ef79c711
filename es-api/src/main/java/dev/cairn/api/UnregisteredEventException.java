package dev.cairn.api;

/** An event of a Java class that is not registered was given to be written. */
public final class UnregisteredEventException extends CairnException {

  private static final long serialVersionUID = 1L;

  private final String eventClass;

  private UnregisteredEventException(String eventClass) {
    super(
        "event class " + eventClass
            + " is not registered: register it (or its sealed interface) with the event type registry");
    this.eventClass = eventClass;
  }

  /**
   * Creates the exception.
   *
   * @param eventClass the class that is not registered
   * @return the exception
   */
  public static UnregisteredEventException of(Class<?> eventClass) {
    return new UnregisteredEventException(eventClass.getName());
  }

  /**
   * Returns the name of the class that is not registered.
   *
   * @return the class name
   */
  public String eventClass() {
    return eventClass;
  }
}
