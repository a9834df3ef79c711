package dev.cairn.projections;

import dev.cairn.api.CairnException;

/** A projection or its runner could not do what was asked. */
public final class ProjectionException extends CairnException {

  private static final long serialVersionUID = 1L;

  private ProjectionException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates the exception.
   *
   * @param what what failed, with the values involved
   * @return the exception
   */
  public static ProjectionException of(String what) {
    return new ProjectionException(what, null);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param what what failed, with the values involved
   * @param cause the underlying failure
   * @return the exception
   */
  public static ProjectionException of(String what, Throwable cause) {
    return new ProjectionException(what + ": " + cause, cause);
  }
}
