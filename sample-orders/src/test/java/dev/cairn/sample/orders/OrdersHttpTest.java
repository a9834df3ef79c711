package dev.cairn.sample.orders;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The HTTP layer over the store: commands, reads from the store, and every user error a 4xx. */
class OrdersHttpTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static OrdersService service;
  static OrdersHttpServer server;
  static final HttpClient client = HttpClient.newHttpClient();
  static final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    JdbcEventStore store = JdbcEventStore.builder(pg.dataSource()).meterRegistry(new SimpleMeterRegistry()).build();
    store.migrate();
    service = new OrdersService(store);
    server = new OrdersHttpServer(service, 0);
    server.start();
  }

  @AfterAll
  static void stop() {
    server.close();
    service.close();
  }

  @Test
  void placeAddPayShip_throughTheApi_andReadHistoryAndTheStateAsOfAnInstant() throws Exception {
    HttpResponse<String> placed =
        post("/orders", "{\"orderId\":\"h-1\",\"customerId\":\"c-1\",\"lines\":[{\"sku\":\"a\",\"quantity\":1,\"unitPriceCents\":500}]}", null, null);
    assertThat(placed.statusCode()).isEqualTo(201);
    assertThat(body(placed).path("version").asLong()).isEqualTo(1);
    String instantAfterPlacing = service.orders().history("h-1").get(0).recordedAt().toString();

    assertThat(post("/orders/h-1/add-line", "{\"line\":{\"sku\":\"b\",\"quantity\":2,\"unitPriceCents\":250}}", null, null).statusCode()).isEqualTo(200);
    assertThat(post("/orders/h-1/pay", "{\"amountCents\":1000}", "pay-h-1", null).statusCode()).isEqualTo(200);
    HttpResponse<String> again = post("/orders/h-1/pay", "{\"amountCents\":1000}", "pay-h-1", null);
    assertThat(body(again).path("duplicate").asBoolean()).isTrue();
    assertThat(post("/orders/h-1/ship", "{\"trackingNumber\":\"TRK-1\"}", null, "3").statusCode()).isEqualTo(200);

    JsonNode history = body(get("/orders/h-1/history"));
    assertThat(history).hasSize(4);
    assertThat(history.get(3).path("type").asText()).isEqualTo("OrderShipped");
    JsonNode asOf = body(get("/orders/h-1?asOf=" + instantAfterPlacing));
    assertThat(asOf.path("state").path("status").asText()).isEqualTo("PLACED");
    assertThat(asOf.path("version").asLong()).isEqualTo(1);
  }

  @Test
  void userErrors_are4xxWithAJsonBodyNamingTheProblem() throws Exception {
    post("/orders", "{\"orderId\":\"h-2\",\"customerId\":\"c-2\",\"lines\":[{\"sku\":\"a\",\"quantity\":1,\"unitPriceCents\":500}]}", null, null);

    assertError(post("/orders", "{not json", null, null), 400, "malformed_json");
    assertError(post("/orders", "{\"customerId\":\"c\",\"lines\":[{\"sku\":\"a\",\"quantity\":0,\"unitPriceCents\":1}]}", null, null), 400, "invalid_request");
    assertError(post("/orders", "{\"customerId\":\"c\",\"lines\":[{\"sku\":\"a\",\"quantity\":1,\"unitPriceCents\":1,\"colour\":\"red\"}]}", null, null), 400, "invalid_request");
    assertError(get("/orders/nope/history"), 404, "unknown_order");
    assertError(post("/orders/nope/pay", "{\"amountCents\":1}", null, null), 404, "unknown_order");
    assertError(post("/orders/h-2/pay", "{\"amountCents\":1}", null, null), 422, "amount_mismatch");
    assertError(post("/orders/h-2/ship", "{\"trackingNumber\":\"T\"}", null, null), 422, "not_shippable");
    assertError(post("/orders/h-2/pay", "{\"amountCents\":500}", null, "7"), 409, "stale_version");
    assertError(post("/orders/h-2/pay", "{\"amountCents\":500}", null, "x"), 400, "invalid_request");
    post("/orders/h-2/pay", "{\"amountCents\":500}", "key-h-2", null);
    assertError(post("/orders/h-2/cancel", "{\"reason\":\"r\"}", "key-h-2", null), 422, "idempotency_key_reused");
    assertError(get("/orders/h-2?asOf=yesterday"), 400, "invalid_request");
    assertError(post("/orders/h-2/teleport", "{}", null, null), 404, "unknown_action");
    assertError(get("/nowhere"), 404, "not_found");
  }

  @Test
  void errorCodes_doNotDependOnTheServersLocale() throws Exception {
    Locale before = Locale.getDefault();
    // Turkish lower-cases I to a dotless i: "LINE_REQUIRED" would become "lıne_requıred".
    Locale.setDefault(Locale.forLanguageTag("tr-TR"));
    try {
      assertError(post("/orders", "{\"orderId\":\"h-3\",\"customerId\":\"c-3\",\"lines\":[]}", null, null), 422, "line_required");
    } finally {
      Locale.setDefault(before);
    }
  }

  private static void assertError(HttpResponse<String> response, int status, String code) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode body = body(response);
    assertThat(body.path("error").asText()).isEqualTo(code);
    assertThat(body.path("message").asText()).isNotBlank();
  }

  private static JsonNode body(HttpResponse<String> response) throws Exception {
    return json.readTree(response.body());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String path, String body, String key, String ifMatch) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("Idempotency-Key", key);
    }
    if (ifMatch != null) {
      b.header("If-Match", ifMatch);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }
}
