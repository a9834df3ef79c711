package dev.cairn.admin.http;

/**
 * Answers one request: the unit that mounts on any server. It runs on a worker thread, after the
 * body was read in full, and may block (on the database, say). An adapter turns an exception that
 * escapes it into a JSON 500; handlers map the errors they know themselves.
 */
@FunctionalInterface
public interface ApiHandler {

  /**
   * Answers a request.
   *
   * @param request the request
   * @return the answer
   */
  ApiResponse handle(ApiRequest request);
}
