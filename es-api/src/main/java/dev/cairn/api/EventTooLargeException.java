package dev.cairn.api;

/** An event's serialized payload is larger than the store accepts. */
public final class EventTooLargeException extends CairnException {

  private static final long serialVersionUID = 1L;

  private final int size;
  private final int limit;

  private EventTooLargeException(String streamId, String eventType, int size, int limit) {
    super(
        "stream " + streamId + ": event " + eventType + " is " + size + " bytes, over the limit of "
            + limit + " bytes");
    this.size = size;
    this.limit = limit;
  }

  /**
   * Creates the exception.
   *
   * @param streamId the stream being appended to
   * @param eventType the event's type name
   * @param size the payload's size in bytes
   * @param limit the configured maximum
   * @return the exception
   */
  public static EventTooLargeException of(String streamId, String eventType, int size, int limit) {
    return new EventTooLargeException(streamId, eventType, size, limit);
  }

  /**
   * Returns the payload's size.
   *
   * @return bytes
   */
  public int size() {
    return size;
  }

  /**
   * Returns the configured maximum.
   *
   * @return bytes
   */
  public int limit() {
    return limit;
  }
}
