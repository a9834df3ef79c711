package dev.cairn.admin.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Routes requests by method and path template ({@code /orders/{id}/history}) to handlers. Each path
 * segment is percent-decoded exactly once, after splitting, so an encoded {@code /} stays inside
 * its segment and {@code %2B} is a {@code +}, never a space. {@code HEAD} is answered as {@code
 * GET} (the adapter drops the body); a known path with another method is a 405 with {@code Allow};
 * anything else a 404. Every answer is JSON.
 */
public final class Router implements ApiHandler {

  private record Route(String method, List<String> template, ApiHandler handler) {}

  private final List<Route> routes;

  private Router(List<Route> routes) {
    this.routes = List.copyOf(routes);
  }

  /**
   * Starts a router.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public ApiResponse handle(ApiRequest request) {
    String method = request.method().equals("HEAD") ? "GET" : request.method();
    List<String> segments = segments(request.rawPath());
    Set<String> allowed = new LinkedHashSet<>();
    for (Route route : routes) {
      Map<String, String> params = match(route.template(), segments);
      if (params == null) {
        continue;
      }
      if (route.method().equals(method)) {
        return route.handler().handle(request.withPathParams(params));
      }
      allowed.add(route.method());
    }
    if (!allowed.isEmpty()) {
      if (allowed.contains("GET")) {
        allowed.add("HEAD");
      }
      String allow = String.join(", ", allowed);
      return ApiResponse.error(405, "method_not_allowed", request.method() + " is not allowed on " + request.rawPath() + "; allowed: " + allow)
          .withHeader("Allow", allow);
    }
    return ApiResponse.error(404, "not_found", "no route for " + request.method() + " " + request.rawPath());
  }

  private static @Nullable Map<String, String> match(List<String> template, List<String> segments) {
    if (template.size() != segments.size()) {
      return null;
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < template.size(); i++) {
      String t = template.get(i);
      if (t.startsWith("{") && t.endsWith("}")) {
        params.put(t.substring(1, t.length() - 1), segments.get(i));
      } else if (!t.equals(segments.get(i))) {
        return null;
      }
    }
    return params;
  }

  /** Splits the raw path on {@code /}, then decodes each segment once. */
  static List<String> segments(String rawPath) {
    List<String> out = new ArrayList<>();
    for (String raw : rawPath.split("/", -1)) {
      out.add(decodeSegment(raw));
    }
    if (!out.isEmpty() && out.get(0).isEmpty()) {
      out.remove(0); // before the leading slash
    }
    return out;
  }

  /** Percent-decodes one path segment as UTF-8; {@code +} is itself, not a space. */
  static String decodeSegment(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c != '%') {
        bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
        continue;
      }
      int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
      int lo = hi < 0 ? -1 : Character.digit(raw.charAt(i + 2), 16);
      if (lo < 0) {
        throw new ApiException(400, "invalid_request", "the path segment " + raw + " has a malformed escape at " + i);
      }
      bytes.write(hi * 16 + lo);
      i += 2;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ApiException(400, "invalid_request", "the path segment " + raw + " is not UTF-8");
    }
  }

  /** Collects routes; the first that matches a request's method and path answers it. */
  public static final class Builder {

    private final List<Route> routes = new ArrayList<>();

    private Builder() {}

    /**
     * Adds a GET route (which answers HEAD too).
     *
     * @param template the path, with {@code {name}} for a whole segment
     * @param handler the handler
     * @return this builder
     */
    public Builder get(String template, ApiHandler handler) {
      return route("GET", template, handler);
    }

    /**
     * Adds a POST route.
     *
     * @param template the path, with {@code {name}} for a whole segment
     * @param handler the handler
     * @return this builder
     */
    public Builder post(String template, ApiHandler handler) {
      return route("POST", template, handler);
    }

    /**
     * Adds a route.
     *
     * @param method the method, upper case
     * @param template the path, with {@code {name}} for a whole segment
     * @param handler the handler
     * @return this builder
     * @throws IllegalArgumentException if the template does not start with {@code /}
     */
    public Builder route(String method, String template, ApiHandler handler) {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(handler, "handler");
      if (!template.startsWith("/")) {
        throw new IllegalArgumentException("a route's template must start with /, was " + template);
      }
      routes.add(new Route(method, List.of(template.substring(1).split("/", -1)), handler));
      return this;
    }

    /**
     * Builds the router.
     *
     * @return the router
     */
    public Router build() {
      return new Router(routes);
    }
  }
}
