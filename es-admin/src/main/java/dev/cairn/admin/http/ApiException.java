package dev.cairn.admin.http;

/** Thrown by a handler to answer with an error: the status and the JSON error body's parts. */
public final class ApiException extends RuntimeException {

  private static final long serialVersionUID = 1L;
  private final int status;
  private final String error;

  /**
   * Creates the exception.
   *
   * @param status the status code
   * @param error a short machine-readable code
   * @param message what went wrong, with the values involved
   */
  public ApiException(int status, String error, String message) {
    super(message, null, false, false);
    this.status = status;
    this.error = error;
  }

  /**
   * Returns the answer this exception stands for.
   *
   * @return the error answer
   */
  public ApiResponse response() {
    return ApiResponse.error(status, error, getMessage());
  }
}
