package dev.cairn.sample.orders;

/**
 * An HTTP error answer: the status and a JSON body naming the problem.
 *
 * @param status the HTTP status
 * @param error a short machine-readable code
 * @param message what went wrong, with the values involved
 */
record ApiError(int status, String error, String message) {

  /** The JSON body: the record itself is package-private, which Jackson does not read. */
  java.util.Map<String, Object> body() {
    java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("status", status);
    out.put("error", error);
    out.put("message", message);
    return out;
  }
}
