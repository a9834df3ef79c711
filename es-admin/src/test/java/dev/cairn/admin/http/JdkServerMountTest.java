package dev.cairn.admin.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The neutral handlers need no Jetty: the same {@link Router} mounted on the JDK's HttpServer by
 * {@link JdkMount} answers the same way (that adapter does not bound slow clients, which is why the
 * sample runs on Jetty).
 */
class JdkServerMountTest {

  @Test
  void theSameRouter_answersOnTheJdkServer() throws Exception {
    Router router =
        Router.builder()
            .get("/orders/{id}", r -> ApiResponse.json(200, ("{\"id\":\"" + r.pathParam("id") + "\"}").getBytes(StandardCharsets.UTF_8)))
            .build();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    JdkMount.mount(server, "/", router, 1 << 16);
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
}
