package dev.cairn.api;

/**
 * An event or state could not be turned into JSON, or stored JSON could not be read into its
 * record.
 */
public final class EventSerializationException extends CairnException {

  private static final long serialVersionUID = 1L;

  private EventSerializationException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates the exception for stored JSON that cannot be read.
   *
   * @param eventType the type name
   * @param revision the revision after upcasting
   * @param where the stream and position, or another description of where the JSON came from
   * @param cause Jackson's error
   * @return the exception
   */
  public static EventSerializationException unreadable(
      String eventType, int revision, String where, Throwable cause) {
    return new EventSerializationException(
        "cannot read " + eventType + " (revision " + revision + ") " + where + ": "
            + cause.getMessage(),
        cause);
  }

  /**
   * Creates the exception for a value that cannot be written as JSON.
   *
   * @param value the value's class
   * @param cause Jackson's error
   * @return the exception
   */
  public static EventSerializationException unwritable(Class<?> value, Throwable cause) {
    return new EventSerializationException(
        "cannot write " + value.getName() + " as JSON: " + cause.getMessage(), cause);
  }
}
