package dev.cairn.api;

/** The event store could not do what was asked for a reason other than a conflict. */
public final class EventStoreException extends CairnException {

  private static final long serialVersionUID = 1L;

  private EventStoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates the exception.
   *
   * @param what what was being done, with the values involved
   * @param cause the underlying failure
   * @return the exception
   */
  public static EventStoreException of(String what, Throwable cause) {
    return new EventStoreException(what + ": " + cause.getMessage(), cause);
  }
}
