package dev.cairn.sample.orders.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The neutral handlers need no Jetty: the same {@link Router} mounted on the JDK's HttpServer by
 * a twenty-line adapter answers the same way (this adapter does not bound slow clients, which is
 * why the sample runs on Jetty).
 */
class JdkServerMountTest {

  @Test
  void theSameRouter_answersOnTheJdkServer() throws Exception {
    Router router =
        Router.builder()
            .get("/orders/{id}", r -> ApiResponse.json(200, ("{\"id\":\"" + r.pathParam("id") + "\"}").getBytes(StandardCharsets.UTF_8)))
            .build();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> serve(router, exchange));
    server.start();
    try {
      HttpClient client = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + server.getAddress().getPort();
      HttpResponse<String> get = client.send(HttpRequest.newBuilder(URI.create(base + "/orders/a%2Bb")).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(get.statusCode()).isEqualTo(200);
      assertThat(get.body()).isEqualTo("{\"id\":\"a+b\"}");
      HttpResponse<String> delete = client.send(HttpRequest.newBuilder(URI.create(base + "/orders/x")).DELETE().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(delete.statusCode()).isEqualTo(405);
      assertThat(delete.headers().firstValue("Allow")).hasValue("GET, HEAD");
    } finally {
      server.stop(0);
    }
  }

  /** The whole adapter: a neutral request in, the neutral answer written back. */
  private static void serve(ApiHandler handler, HttpExchange exchange) throws IOException {
    try (exchange) {
      Map<String, String> headers = new LinkedHashMap<>();
      for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
        headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue().get(0));
      }
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readNBytes(1 << 20);
      }
      URI uri = exchange.getRequestURI();
      ApiResponse answer;
      try {
        answer = handler.handle(ApiRequest.of(exchange.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(), headers, body));
      } catch (ApiException e) {
        answer = e.response();
      }
      answer.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
      exchange.getResponseHeaders().set("Content-Type", ApiResponse.JSON);
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(answer.status(), head ? -1 : answer.body().length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(answer.body());
        }
      }
    }
  }
}
