package dev.cairn.projections;

import dev.cairn.api.CairnException;
import org.jspecify.annotations.Nullable;

/** A projection or its runner could not do what was asked. */
public final class ProjectionException extends CairnException {

  private static final long serialVersionUID = 1L;

  private ProjectionException(String message, @Nullable Throwable cause) {
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
   * @param cause the underlying failure, or null if unknown (an {@code ExecutionException}'s cause)
   * @return the exception
   */
  public static ProjectionException of(String what, @Nullable Throwable cause) {
    return new ProjectionException(what + ": " + cause, cause);
  }
}
