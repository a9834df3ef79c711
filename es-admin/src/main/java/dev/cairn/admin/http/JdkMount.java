package dev.cairn.admin.http;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mounts an {@link ApiHandler} on the JDK's own {@code com.sun.net.httpserver.HttpServer}: the
 * whole adapter. It bounds the body (413 past the limit) but, unlike {@link JettyServer}, not slow
 * clients: give the JDK server an executor of its own and keep it on loopback.
 */
public final class JdkMount {

  private static final Logger LOG = LoggerFactory.getLogger(JdkMount.class);

  private JdkMount() {}

  /**
   * Answers every request under a path with the handler; the handler sees the full path.
   *
   * @param server the JDK server
   * @param path the context path, e.g. {@code /} or {@code /cairn}
   * @param handler the handler
   * @param maxBodyBytes the largest body accepted
   * @return the context created
   * @throws IllegalArgumentException if the limit is not positive
   */
  public static HttpContext mount(HttpServer server, String path, ApiHandler handler, int maxBodyBytes) {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(handler, "handler");
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes must be >= 1, was " + maxBodyBytes);
    }
    return server.createContext(path, exchange -> serve(handler, exchange, maxBodyBytes));
  }

  private static void serve(ApiHandler handler, HttpExchange exchange, int maxBodyBytes) throws IOException {
    try (exchange) {
      Map<String, String> headers = new LinkedHashMap<>();
      for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
        headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue().get(0));
      }
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readNBytes(maxBodyBytes + 1);
      }
      URI uri = exchange.getRequestURI();
      InetSocketAddress remote = exchange.getRemoteAddress();
      ApiResponse answer;
      if (body.length > maxBodyBytes) {
        answer = ApiResponse.error(413, "body_too_large", "the request body is larger than " + maxBodyBytes + " bytes");
      } else {
        try {
          answer =
              handler.handle(
                  ApiRequest.of(
                      exchange.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(), headers, body,
                      remote == null || remote.getAddress() == null ? null : remote.getAddress().getHostAddress()));
        } catch (ApiException e) {
          answer = e.response();
        } catch (RuntimeException e) {
          LOG.error("{} {} failed", exchange.getRequestMethod(), uri.getRawPath(), e);
          answer = ApiResponse.error(500, "internal_error", "the server failed; see its log");
        }
      }
      answer.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
      exchange.getResponseHeaders().set("Content-Type", answer.contentType());
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(answer.status(), head || answer.body().length == 0 ? -1 : answer.body().length);
      if (!head && answer.body().length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(answer.body());
        }
      }
    }
  }
}
