package dev.cairn.admin.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP request as a framework-neutral value: what an adapter (the embedded Jetty server here;
 * the JDK's HttpServer or a Spring MVC controller elsewhere) hands to an {@link ApiHandler}. The
 * body has been read in full, within the server's limits, before the handler runs, so a handler
 * never blocks on a slow client.
 *
 * @param method the method, upper case ({@code HEAD} is answered as {@code GET} by {@link Router})
 * @param rawPath the path as sent, still percent-encoded; {@link Router} decodes each segment once
 * @param rawQuery the query as sent, still encoded; null if there is none
 * @param headers the headers by lower-case name (the first value of each)
 * @param body the body; empty if there is none
 * @param pathParams the values of the route's {@code {name}} segments, decoded; empty until routed
 * @param remoteAddress the client's address as the server saw it, or null if the adapter does not
 *     say
 */
public record ApiRequest(
    String method,
    String rawPath,
    @Nullable String rawQuery,
    Map<String, String> headers,
    byte[] body,
    Map<String, String> pathParams,
    @Nullable String remoteAddress) {

  /**
   * Checks the parts and copies the maps.
   *
   * @param method the method
   * @param rawPath the encoded path
   * @param rawQuery the encoded query, or null
   * @param headers the headers by lower-case name
   * @param body the body
   * @param pathParams the route's path parameters
   * @param remoteAddress the client's address, or null
   * @throws NullPointerException if a part other than {@code rawQuery} is null
   */
  public ApiRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(rawPath, "rawPath");
    headers = Map.copyOf(headers);
    Objects.requireNonNull(body, "body");
    pathParams = Map.copyOf(pathParams);
  }

  /**
   * Creates a request before routing.
   *
   * @param method the method
   * @param rawPath the encoded path
   * @param rawQuery the encoded query, or null
   * @param headers the headers by lower-case name
   * @param body the body
   * @return the request
   */
  public static ApiRequest of(
      String method, String rawPath, @Nullable String rawQuery, Map<String, String> headers, byte[] body) {
    return new ApiRequest(method, rawPath, rawQuery, headers, body, Map.of(), null);
  }

  /**
   * Creates a request before routing, with the client's address.
   *
   * @param method the method
   * @param rawPath the encoded path
   * @param rawQuery the encoded query, or null
   * @param headers the headers by lower-case name
   * @param body the body
   * @param remoteAddress the client's address, or null
   * @return the request
   */
  public static ApiRequest of(
      String method,
      String rawPath,
      @Nullable String rawQuery,
      Map<String, String> headers,
      byte[] body,
      @Nullable String remoteAddress) {
    return new ApiRequest(method, rawPath, rawQuery, headers, body, Map.of(), remoteAddress);
  }

  /**
   * Returns a header's first value.
   *
   * @param name the header's name, in any case
   * @return its value, if sent
   */
  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
  }

  /**
   * Returns a path parameter of the matched route.
   *
   * @param name the parameter's name in the route's template
   * @return its decoded value
   * @throws IllegalStateException if the route has no such parameter
   */
  public String pathParam(String name) {
    String value = pathParams.get(name);
    if (value == null) {
      throw new IllegalStateException("the route has no path parameter " + name + ": " + pathParams.keySet());
    }
    return value;
  }

  /**
   * Returns a query parameter's first value, decoded once as form data ({@code +} is a space).
   *
   * @param name the parameter's name
   * @return its value, if present
   * @throws ApiException (400) if the query holds a malformed escape
   */
  public Optional<String> query(String name) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return Optional.empty();
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String key = decodeQuery(eq < 0 ? pair : pair.substring(0, eq));
      if (key.equals(name)) {
        return Optional.of(eq < 0 ? "" : decodeQuery(pair.substring(eq + 1)));
      }
    }
    return Optional.empty();
  }

  /**
   * Tells whether the body is declared JSON: {@code application/json}, with or without
   * parameters such as a charset.
   *
   * @return true if the {@code Content-Type} is JSON
   */
  public boolean isJson() {
    return header("Content-Type")
        .map(v -> v.split(";", 2)[0].trim().toLowerCase(Locale.ROOT))
        .filter(v -> v.equals("application/json"))
        .isPresent();
  }

  /**
   * Returns this request with the route's path parameters.
   *
   * @param params the decoded values by name
   * @return the routed request
   */
  public ApiRequest withPathParams(Map<String, String> params) {
    return new ApiRequest(method, rawPath, rawQuery, headers, body, params, remoteAddress);
  }

  private static String decodeQuery(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "invalid_request", "the query has a malformed escape: " + s);
    }
  }

  // A record's generated equals/hashCode compare arrays by identity; requests are not compared.
}
