package dev.cairn.sample.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.admin.http.HttpLimits;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The inputs that broke the sample's first HTTP server: slow and stalled clients, huge bodies,
 * values the database cannot hold, ids that cannot be addressed, lenient JSON, and a database that
 * drops a connection. Each answer is a JSON 4xx or 503, or a closed connection, in bounded time.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OrdersHttpAbuseTest {

  private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration BODY_TIMEOUT = Duration.ofSeconds(2);
  /** How much longer than a configured timeout the server may take to act on it. */
  private static final Duration SLACK = Duration.ofSeconds(3);

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static OrdersService service;
  static OrdersHttpServer server;
  static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    JdbcEventStore store = JdbcEventStore.builder(pg.dataSource()).meterRegistry(new SimpleMeterRegistry()).build();
    store.migrate();
    service = new OrdersService(store);
    server =
        new OrdersHttpServer(
            service,
            0,
            HttpLimits.defaults()
                .withHeaderTimeout(HEADER_TIMEOUT)
                .withBodyTimeout(BODY_TIMEOUT)
                .withMaxConnections(200));
    server.start();
  }

  @AfterAll
  static void stop() {
    server.close();
    service.close();
  }

  // --- slow and stalled clients ---

  @Test
  void sixtyFourSlowClients_doNotStopHealthNorCommands() throws Exception {
    ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
    List<Socket> slow = new ArrayList<>();
    try {
      for (int i = 0; i < 64; i++) {
        Socket s = connect();
        s.getOutputStream().write("POST /orders HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
        slow.add(s);
      }
      // One byte per connection every 100 ms: never idle, never done.
      trickle.scheduleAtFixedRate(() -> slow.forEach(s -> writeQuietly(s, "a")), 0, 100, TimeUnit.MILLISECONDS);

      HttpResponse<String> health = send(HttpRequest.newBuilder(uri("/health")).timeout(Duration.ofSeconds(5)).GET());
      assertThat(health.statusCode()).isEqualTo(200);
      HttpResponse<String> placed =
          send(jsonPost("/orders", "{\"orderId\":\"slow-1\",\"customerId\":\"c\",\"lines\":[" + line("a", 1, 1) + "]}").timeout(Duration.ofSeconds(5)));
      assertThat(placed.statusCode()).as(brief(placed.body())).isEqualTo(201);

      // And the slow ones are cut off once their headers took longer than allowed.
      for (Socket s : slow) {
        assertThat(answerOrClose(s, HEADER_TIMEOUT.plus(SLACK))).isIn("408", "closed");
      }
    } finally {
      trickle.shutdownNow();
      slow.forEach(OrdersHttpAbuseTest::closeQuietly);
    }
  }

  @Test
  void aBodyThatDeclaresAMillionBytesAndStops_gets408OrAClosedConnection_withinTheBodyTimeout() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream().write(("POST /orders HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
              + "Content-Length: 1000000\r\n\r\n{\"customerId\":").getBytes(StandardCharsets.US_ASCII));
      long started = System.nanoTime();
      assertThat(answerOrClose(s, BODY_TIMEOUT.plus(SLACK))).isIn("408", "closed");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BODY_TIMEOUT.plus(SLACK));
    }
    try (Socket s = connect()) { // not one byte of the body
      s.getOutputStream().write(("POST /orders HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
              + "Content-Length: 1000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      assertThat(answerOrClose(s, BODY_TIMEOUT.plus(SLACK))).isIn("408", "closed");
    }
  }

  @Test
  void aBodySentAByteAtATime_gets408OrAClosedConnection_withinTheBodyTimeout() throws Exception {
    ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
    try (Socket s = connect()) {
      s.getOutputStream().write(("POST /orders HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
              + "Content-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      trickle.scheduleAtFixedRate(() -> writeQuietly(s, " "), 0, 100, TimeUnit.MILLISECONDS);
      assertThat(answerOrClose(s, BODY_TIMEOUT.plus(SLACK))).isIn("408", "closed");
    } finally {
      trickle.shutdownNow();
    }
  }

  @org.junit.jupiter.api.RepeatedTest(3)
  void bodiesOfTenAndAHundredMegabytes_get413() throws Exception {
    HttpResponse<String> ten =
        send(HttpRequest.newBuilder(uri("/orders")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[10_000_000])));
    assertError(ten, 413, "body_too_large");

    long hundred = 100_000_000L;
    HttpResponse<String> big =
        send(HttpRequest.newBuilder(uri("/orders")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> zeros(hundred)), hundred)));
    assertError(big, 413, "body_too_large");
    assertThat(send(HttpRequest.newBuilder(uri("/health")).GET()).statusCode()).isEqualTo(200);
  }

  // --- values the store or the read model cannot hold ---

  @Test
  void aNulCharacterInCustomerIdOrSku_isA4xx() throws Exception {
    assertError(post("/orders", "{\"customerId\":\"c\\u0000d\",\"lines\":[" + line("a", 1, 1) + "]}"), 422, "field_format");
    assertError(post("/orders", "{\"customerId\":\"c\",\"lines\":[" + line("a\\u0000b", 1, 1) + "]}"), 422, "field_format");
  }

  @Test
  void anInstantBeyondTheDatabase_isA400() throws Exception {
    post("/orders", "{\"orderId\":\"asof-1\",\"customerId\":\"c\",\"lines\":[" + line("a", 1, 1) + "]}");
    assertError(get("/orders/asof-1?asOf=%2B999999999-12-31T23:59:59Z"), 400, "invalid_request");
    assertError(get("/orders/asof-1?asOf=-999999999-01-01T00:00:00Z"), 400, "invalid_request");
  }

  @Test
  void aSkuOfThreeThousandCharacters_isRefusedAtTheDoor() throws Exception {
    assertError(post("/orders", "{\"customerId\":\"c\",\"lines\":[" + line("x".repeat(3000), 1, 1) + "]}"), 422, "field_format");
    assertError(post("/orders", "{\"customerId\":\"" + "c".repeat(65) + "\",\"lines\":[" + line("a", 1, 1) + "]}"), 422, "field_format");
    post("/orders", "{\"orderId\":\"long-1\",\"customerId\":\"c\",\"lines\":[" + line("a", 1, 1) + "]}");
    assertError(post("/orders/long-1/add-line", "{\"line\":" + line("y".repeat(3000), 1, 1) + "}"), 422, "field_format");
    assertError(post("/orders/long-1/cancel", "{\"reason\":\"" + "r".repeat(501) + "\"}"), 422, "field_format");
  }

  @Test
  void anIdempotencyKeyOfThreeThousandCharacters_isA400() throws Exception {
    HttpResponse<String> response =
        send(jsonPost("/orders", "{\"customerId\":\"c\",\"lines\":[" + line("a", 1, 1) + "]}").header("Idempotency-Key", "k".repeat(3000)));
    assertError(response, 400, "invalid_request");
  }

  @Test
  void anOrderOfMoreThanFiveHundredLines_isRefused_andFiveHundredArePlacedQuickly() throws Exception {
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 19_000; i++) {
      lines.append(i == 0 ? "" : ",").append(line("sku-" + i, 1, 1));
    }
    assertError(post("/orders", "{\"customerId\":\"c\",\"lines\":[" + lines + "]}"), 422, "line_limit");

    StringBuilder five = new StringBuilder();
    for (int i = 0; i < 500; i++) {
      five.append(i == 0 ? "" : ",").append(line("sku-" + (i % 250), 1, 1));
    }
    HttpResponse<String> placed = post("/orders", "{\"orderId\":\"many-1\",\"customerId\":\"c\",\"lines\":[" + five + "]}");
    assertThat(placed.statusCode()).as(brief(placed.body())).isEqualTo(201);
    assertThat(body(placed).path("events").get(0).path("event").path("lines")).hasSize(250);
  }

  // --- ids: created only if addressable, decoded once ---

  @Test
  void idsThatCannotBeAddressed_areRefusedAtCreation() throws Exception {
    for (String id : List.of("a/b", "100%", "a+b", "a b", "a?b", "")) {
      String escaped = json.writeValueAsString(id);
      assertError(post("/orders", "{\"orderId\":" + escaped + ",\"customerId\":\"c\",\"lines\":[" + line("a", 1, 1) + "]}"), 422, "field_format");
    }
  }

  @Test
  void thePathIsDecodedOnce() throws Exception {
    post("/orders", "{\"orderId\":\"a-b\",\"customerId\":\"c\",\"lines\":[" + line("a", 1, 1) + "]}");
    assertThat(get("/orders/a%2Db/history").statusCode()).isEqualTo(200);
    HttpResponse<String> twice = get("/orders/a%252Db/history");
    assertThat(twice.statusCode()).as(brief(twice.body())).isIn(400, 404);
    assertThat(body(twice).path("error").asText()).isNotBlank();
  }

  // --- strict JSON, JSON answers ---

  @Test
  void lenientJson_isRefused() throws Exception {
    String lines = "[" + line("a", 1, 1) + "]";
    assertError(post("/orders", "{\"orderId\":null,\"customerId\":\"c\",\"lines\":" + lines + "}"), 400, "invalid_request");
    assertError(post("/orders", "{\"orderId\":7,\"customerId\":\"c\",\"lines\":" + lines + "}"), 400, "invalid_request");
    assertError(post("/orders", "{\"customerId\":123,\"lines\":" + lines + "}"), 400, "invalid_request");
    assertError(post("/orders", "{\"customerId\":true,\"lines\":" + lines + "}"), 400, "invalid_request");
    assertError(post("/orders", "{\"customerId\":null,\"lines\":" + lines + "}"), 400, "invalid_request");
    assertError(post("/orders", "{\"customerId\":\"c\",\"lines\":[{\"sku\":\"a\",\"quantity\":\"1\",\"unitPriceCents\":1}]}"), 400, "invalid_request");
    assertError(post("/orders", "{\"customerId\":\"c\",\"lines\":" + lines + "} trailing"), 400, "malformed_json");
    assertError(post("/orders", "{\"customerId\":\"c\",\"customerId\":\"d\",\"lines\":" + lines + "}"), 400, "malformed_json");
    assertError(post("/orders", "[]"), 400, "malformed_json");
  }

  @Test
  void aBodyThatIsNotDeclaredJson_is415() throws Exception {
    String order = "{\"customerId\":\"c\",\"lines\":[" + line("a", 1, 1) + "]}";
    assertError(send(HttpRequest.newBuilder(uri("/orders")).header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(order))), 415, "unsupported_media_type");
    assertError(send(HttpRequest.newBuilder(uri("/orders")).POST(HttpRequest.BodyPublishers.ofString(order))), 415, "unsupported_media_type");
    HttpResponse<String> charset =
        send(HttpRequest.newBuilder(uri("/orders")).header("Content-Type", "application/json; charset=utf-8").POST(HttpRequest.BodyPublishers.ofString(order)));
    assertThat(charset.statusCode()).as(brief(charset.body())).isEqualTo(201);
  }

  @Test
  void headWorksWhereGetDoes_andEveryAnswerIsJson() throws Exception {
    HttpResponse<String> head = send(HttpRequest.newBuilder(uri("/health")).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    String rawHead = rawRequest("HEAD /orders/none/history HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assertThat(rawHead).startsWith("HTTP/1.1 404").endsWith("\r\n\r\n"); // headers, and not one byte of body

    String raw = rawRequest("GET /orders/%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assertThat(raw).startsWith("HTTP/1.1 400");
    String headers = raw.substring(0, raw.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
    assertThat(headers).contains("content-type: application/json");
    assertThat(json.readTree(raw.substring(raw.indexOf("\r\n\r\n") + 4)).path("status").asInt()).isEqualTo(400);
    assertError(send(HttpRequest.newBuilder(uri("/health")).DELETE()), 405, "method_not_allowed");
    assertError(get("/nowhere"), 404, "not_found");
  }

  // --- a database that drops the connection ---

  @Test
  void aConnectionKilledMidCommand_is503WithRetryAfter() throws Exception {
    post("/orders", "{\"orderId\":\"kill-1\",\"customerId\":\"c\",\"lines\":[" + line("a", 1, 100) + "]}");
    try (Handle holder = pg.jdbi().open()) {
      holder.begin();
      holder.execute("SELECT 1 FROM public.streams WHERE stream_id = 'kill-1' FOR UPDATE");
      CompletableFuture<HttpResponse<String>> paying =
          client.sendAsync(jsonPost("/orders/kill-1/pay", "{\"amountCents\":100}").build(), HttpResponse.BodyHandlers.ofString());
      long pid =
          await().atMost(Duration.ofSeconds(30)).until(() -> holder
                  .createQuery("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
                  .mapTo(Long.class).findFirst().orElse(-1L), p -> p > 0);
      holder.createQuery("SELECT pg_terminate_backend(CAST(:pid AS int))").bind("pid", pid).mapTo(Boolean.class).one();
      HttpResponse<String> answer = paying.get(30, TimeUnit.SECONDS);
      assertError(answer, 503, "unavailable");
      assertThat(answer.headers().firstValue("Retry-After")).isPresent();
      holder.rollback();
    }
    HttpResponse<String> again = post("/orders/kill-1/pay", "{\"amountCents\":100}");
    assertThat(again.statusCode()).as(brief(again.body())).isEqualTo(200);
  }

  // --- overload ---

  @Test
  void whenEveryWorkerIsBusyAndNoneMayWait_theAnswerIs503WithRetryAfter() throws Exception {
    post("/orders", "{\"orderId\":\"busy-1\",\"customerId\":\"c\",\"lines\":[" + line("a", 1, 100) + "]}");
    try (OrdersHttpServer small = new OrdersHttpServer(service, 0, HttpLimits.defaults().withWorkers(1, 0));
        Handle holder = pg.jdbi().open()) {
      small.start();
      holder.begin();
      holder.execute("SELECT 1 FROM public.streams WHERE stream_id = 'busy-1' FOR UPDATE");
      // The only worker waits for the row lock the test holds.
      CompletableFuture<HttpResponse<String>> paying =
          client.sendAsync(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + small.port() + "/orders/busy-1/pay"))
                  .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"amountCents\":100}")).build(),
              HttpResponse.BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(30)).until(() -> holder
          .createQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
          .mapTo(Long.class).one() > 0);

      HttpResponse<String> busy = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + small.port() + "/health")).GET());
      assertError(busy, 503, "overloaded");
      assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");

      holder.rollback();
      assertThat(paying.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      // The worker goes back to the pool just after its answer reached the client, so the server
      // serves again soon after, not necessarily at once.
      await().atMost(Duration.ofSeconds(30)).until(
          () -> send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + small.port() + "/health")).GET()).statusCode() == 200);
    }
  }

  @Test
  void connectionsTakenBySlowClients_areFreedByTheHeaderDeadline() throws Exception {
    try (OrdersHttpServer small =
        new OrdersHttpServer(service, 0, HttpLimits.defaults().withHeaderTimeout(HEADER_TIMEOUT).withMaxConnections(2))) {
      small.start();
      List<Socket> slow = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) {
          Socket s = new Socket();
          s.connect(new InetSocketAddress("127.0.0.1", small.port()), 5_000);
          s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: a".getBytes(StandardCharsets.US_ASCII));
          slow.add(s);
        }
        // Every connection is taken: this one waits to be accepted until a slow one is cut off.
        HttpResponse<String> health =
            client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + small.port() + "/health"))
                    .timeout(HEADER_TIMEOUT.plus(HEADER_TIMEOUT).plus(SLACK)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
      } finally {
        slow.forEach(OrdersHttpAbuseTest::closeQuietly);
      }
    }
  }

  // --- helpers ---

  private static String line(String sku, int quantity, long price) {
    return "{\"sku\":\"" + sku + "\",\"quantity\":" + quantity + ",\"unitPriceCents\":" + price + "}";
  }

  private static void assertError(HttpResponse<String> response, int status, String code) throws Exception {
    assertThat(response.statusCode()).as(brief(response.body())).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    JsonNode body = body(response);
    assertThat(body.path("status").asInt()).isEqualTo(status);
    if (code != null) {
      assertThat(body.path("error").asText()).isEqualTo(code);
    }
    assertThat(body.path("message").asText()).isNotBlank();
  }

  private static String brief(String body) {
    return body.length() <= 300 ? body : body.substring(0, 300) + "... (" + body.length() + " characters)";
  }

  private static JsonNode body(HttpResponse<String> response) throws Exception {
    return json.readTree(response.body());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return send(jsonPost(path, body));
  }

  private static HttpRequest.Builder jsonPost(String path, String body) {
    return HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return client.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Sends a request the JDK client would refuse to send, and reads the whole answer. */
  private static String rawRequest(String request) throws Exception {
    try (Socket s = connect()) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  private static Socket connect() throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
    return s;
  }

  /**
   * Waits at most {@code within} for the server to answer (its status code) or close the
   * connection ("closed"); fails if it does neither.
   */
  private static String answerOrClose(Socket s, Duration within) throws IOException {
    s.setSoTimeout((int) within.toMillis());
    InputStream in = s.getInputStream();
    try {
      byte[] head = new byte[12];
      int n = in.readNBytes(head, 0, head.length);
      if (n < 12) {
        return "closed";
      }
      return new String(head, 9, 3, StandardCharsets.US_ASCII);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server neither answered nor closed the connection within " + within, e);
    } catch (SocketException e) {
      return "closed"; // reset by the server
    }
  }

  private static void writeQuietly(Socket s, String text) {
    try {
      OutputStream out = s.getOutputStream();
      out.write(text.getBytes(StandardCharsets.US_ASCII));
      out.flush();
    } catch (IOException e) {
      // The server closed it: that is allowed.
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  private static InputStream zeros(long count) {
    return new InputStream() {
      long left = count;

      @Override
      public int read() {
        if (left == 0) {
          return -1;
        }
        left--;
        return ' ';
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left == 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        java.util.Arrays.fill(b, off, off + n, (byte) ' ');
        left -= n;
        return n;
      }
    };
  }
}
