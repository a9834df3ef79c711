package dev.cairn.api;

/** A stored event's type (or revision) has no registration, so it cannot be read. */
public final class UnknownEventTypeException extends CairnException {

  private static final long serialVersionUID = 1L;

  private final String eventType;
  private final int revision;

  private UnknownEventTypeException(String message, String eventType, int revision) {
    super(message);
    this.eventType = eventType;
    this.revision = revision;
  }

  /**
   * Creates the exception for an event read from the store.
   *
   * @param eventType the stored type name
   * @param revision the stored schema revision
   * @param streamId the stream the event belongs to
   * @param position where it sits in the global order
   * @return the exception
   */
  public static UnknownEventTypeException stored(
      String eventType, int revision, String streamId, Object position) {
    return new UnknownEventTypeException(
        "unknown event type " + eventType + " (revision " + revision + ") in stream " + streamId
            + " at " + position + ": register it, or an upcaster to a registered revision",
        eventType,
        revision);
  }

  /**
   * Creates the exception for a type name with no registration.
   *
   * @param eventType the type name
   * @param revision its revision
   * @return the exception
   */
  public static UnknownEventTypeException of(String eventType, int revision) {
    return new UnknownEventTypeException(
        "unknown event type " + eventType + " (revision " + revision + ")", eventType, revision);
  }

  /**
   * Returns the type name that has no registration.
   *
   * @return the type name
   */
  public String eventType() {
    return eventType;
  }

  /**
   * Returns the revision that was asked for.
   *
   * @return the revision
   */
  public int revision() {
    return revision;
  }
}
