package dev.cairn.api;

import org.jspecify.annotations.Nullable;

/** The root of every exception that Cairn throws for a failed operation. */
public class CairnException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message that names the values involved.
   *
   * @param message the message
   */
  protected CairnException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and a cause.
   *
   * @param message the message
   * @param cause the underlying failure, or null
   */
  protected CairnException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
