package dev.cairn.sample.orders;

/** Thrown by a handler to answer with a 4xx error. */
final class HttpFailure extends RuntimeException {

  private static final long serialVersionUID = 1L;
  private final transient ApiError error;

  HttpFailure(int status, String code, String message) {
    super(message, null, false, false);
    this.error = new ApiError(status, code, message);
  }

  ApiError error() {
    return error;
  }
}
