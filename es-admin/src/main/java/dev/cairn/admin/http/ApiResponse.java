package dev.cairn.admin.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP answer as a framework-neutral value: a status, headers and a body, JSON unless a
 * {@code Content-Type} header says otherwise (the console's static files). An adapter writes it as
 * it is (for {@code HEAD}, without the body).
 *
 * @param status the status code
 * @param headers extra headers, such as {@code Retry-After} or {@code Allow}
 * @param body the body: JSON (UTF-8) unless the headers name another content type
 */
public record ApiResponse(int status, Map<String, String> headers, byte[] body) {

  /** The content type of an answer whose headers name none. */
  public static final String JSON = "application/json";

  private static final ObjectMapper ERRORS = new ObjectMapper();

  /**
   * Checks the parts and copies the headers.
   *
   * @param status the status code
   * @param headers extra headers
   * @param body the JSON body
   * @throws IllegalArgumentException if the status is outside 100 to 599
   */
  public ApiResponse {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be between 100 and 599, was " + status);
    }
    headers = Map.copyOf(headers);
    Objects.requireNonNull(body, "body");
  }

  /**
   * Creates an answer with a JSON body.
   *
   * @param status the status code
   * @param json the body, already JSON
   * @return the answer
   */
  public static ApiResponse json(int status, byte[] json) {
    return new ApiResponse(status, Map.of(), json);
  }

  /**
   * Creates an error answer, whose body is {@code {status, error, message}}.
   *
   * @param status the status code
   * @param error a short machine-readable code, such as {@code not_found}
   * @param message what went wrong, with the values involved; null (an exception without a message)
   *     is written as JSON null
   * @return the answer
   */
  public static ApiResponse error(int status, String error, @Nullable String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", status);
    body.put("error", error);
    body.put("message", message);
    try {
      return json(status, ERRORS.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Returns the content type: the {@code Content-Type} header if set (in any case), else JSON.
   *
   * @return the content type
   */
  public String contentType() {
    for (Map.Entry<String, String> h : headers.entrySet()) {
      if (h.getKey().equalsIgnoreCase("Content-Type")) {
        return h.getValue();
      }
    }
    return JSON;
  }

  /**
   * Returns this answer with one more header.
   *
   * @param name the header's name
   * @param value its value
   * @return the new answer
   */
  public ApiResponse withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new ApiResponse(status, more, body);
  }
}
