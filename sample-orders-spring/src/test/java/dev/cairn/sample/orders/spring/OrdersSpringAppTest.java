package dev.cairn.sample.orders.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.testkit.PostgresExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The Spring sample end to end, one context for the class: a real PostgreSQL (es-testkit) and the
 * sample's own in-process Kafka broker. The steps run in order and the last closes the context.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "server.port=0")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OrdersSpringAppTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();

  /** Threads that belong to Cairn, Kafka's clients or an in-process broker. */
  private static final Pattern OURS = Pattern.compile("(?i).*(cairn|kafka|broker|controller|raft|quorum|group-coordinator).*");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Set<String> threadsBefore;

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", pg::jdbcUrl);
  }

  @BeforeAll
  static void threadsBeforeTheContext() {
    threadsBefore = liveThreads();
  }

  @LocalServerPort int port;
  @Autowired ConfigurableApplicationContext context;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @Test
  @Order(1)
  void placeOrderOverHttp_reachesTheReadModel_retryIsADuplicate_andStaleIfMatchIs412() throws Exception {
    String body = "{\"customerId\":\"cust-7\",\"lines\":[{\"sku\":\"book\",\"quantity\":2,\"unitPriceCents\":1250}]}";
    HttpResponse<String> placed = send("POST", "/orders", body, Map.of("Idempotency-Key", "spring-test-1"));
    assertThat(placed.statusCode()).isEqualTo(201);
    String id = JSON.readTree(placed.body()).get("orderId").asText();
    assertThat(placed.headers().firstValue("ETag")).contains("\"1\"");

    HttpResponse<String> retried = send("POST", "/orders", body, Map.of("Idempotency-Key", "spring-test-1"));
    assertThat(JSON.readTree(retried.body()).get("orderId").asText()).isEqualTo(id);
    assertThat(JSON.readTree(retried.body()).get("duplicate").asBoolean()).isTrue();

    // Relay to Kafka, Kafka-fed runner, read model.
    await().atMost(Duration.ofSeconds(60)).until(() -> send("GET", "/orders/" + id, null, Map.of()).statusCode() == 200);
    JsonNode summary = JSON.readTree(send("GET", "/orders/" + id, null, Map.of()).body());
    assertThat(summary.get("status").asText()).isEqualTo("PLACED");
    assertThat(summary.get("totalCents").asLong()).isEqualTo(2500);

    HttpResponse<String> stale = send("POST", "/orders/" + id + "/pay", "{\"amountCents\":2500}", Map.of("If-Match", "\"7\""));
    assertThat(stale.statusCode()).isEqualTo(412);
    assertThat(stale.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    assertThat(JSON.readTree(stale.body()).get("detail").asText()).contains("expected version 7 but it is at version 1");

    HttpResponse<String> paid = send("POST", "/orders/" + id + "/pay", "{\"amountCents\":2500}", Map.of("If-Match", "\"1\""));
    assertThat(paid.statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(60)).until(
        () -> JSON.readTree(send("GET", "/orders/" + id, null, Map.of()).body()).path("status").asText().equals("PAID"));

    HttpResponse<String> refused = send("POST", "/orders/" + id + "/pay", "{\"amountCents\":2500}", Map.of());
    assertThat(refused.statusCode()).isEqualTo(422);
    assertThat(JSON.readTree(refused.body()).get("type").asText()).startsWith("urn:cairn:sample-orders:");
  }

  @Test
  @Order(2)
  void adminApi_isMountedOnSpringMvc_withItsSecurityRules() throws Exception {
    HttpResponse<String> overview = send("GET", "/cairn/api/overview", null, Map.of());
    assertThat(overview.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(overview.body()).has("store")).isTrue();
    assertThat(JSON.readTree(send("GET", "/cairn/api/projections", null, Map.of()).body()).toString()).contains("order_summary");

    // No token: a mutating request from another origin is refused (and audited), as on any mount.
    HttpResponse<String> crossSite = send(
        "POST", "/cairn/api/projections/order_summary/pause", "{}", Map.of("Origin", "http://evil.example"));
    assertThat(crossSite.statusCode()).isEqualTo(403);
    HttpResponse<String> paused = send("POST", "/cairn/api/projections/order_summary/pause", "{}", Map.of());
    assertThat(paused.statusCode()).isEqualTo(202);
    assertThat(send("POST", "/cairn/api/projections/order_summary/resume", "{}", Map.of()).statusCode()).isEqualTo(202);
  }

  @Test
  @Order(3)
  void health_isUp_withTheStoreRelayAndRunnerAsCairnComponents() {
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      HttpResponse<String> health = send("GET", "/actuator/health", null, Map.of());
      assertThat(health.statusCode()).isEqualTo(200);
      JsonNode cairn = JSON.readTree(health.body()).path("components").path("cairn");
      assertThat(cairn.path("status").asText()).isEqualTo("UP");
      assertThat(cairn.path("components").path("store").path("status").asText()).isEqualTo("UP");
      assertThat(cairn.path("components").path("relay").path("status").asText()).isEqualTo("UP");
      assertThat(cairn.path("components").path("projections").path("components").path("order_summary").path("status").asText())
          .isEqualTo("UP");
    });
  }

  @Test
  @Order(4)
  void relayStopped_healthIsDown_namingTheCause() throws Exception {
    context.getBean(KafkaRelay.class).close(); // as if it had stopped; the lifecycle's stop is idempotent
    HttpResponse<String> health = send("GET", "/actuator/health/cairn", null, Map.of());
    assertThat(health.statusCode()).isEqualTo(503);
    JsonNode relay = JSON.readTree(health.body()).path("components").path("relay");
    assertThat(relay.path("status").asText()).isEqualTo("DOWN");
    assertThat(relay.path("details").path("causes").toString()).contains("DOWN");
  }

  @Test
  @Order(5)
  @DirtiesContext(methodMode = DirtiesContext.MethodMode.AFTER_METHOD)
  void lastStep_theTestFrameworkClosesTheContextAfterIt() {
    assertThat(context.isActive()).isTrue();
  }

  /** Runs after the context was closed (after the last step), before the class ends. */
  @AfterAll
  static void closingTheContext_leavesNoCairnThreadAndNoBroker() {
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      Set<String> left = liveThreads();
      left.removeAll(threadsBefore);
      assertThat(left.stream().filter(n -> OURS.matcher(n).matches()).toList()).isEmpty();
    });
    assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).map(p -> p.info().command().orElse("?")).toList())
        .noneMatch(c -> c.contains("kafka"));
  }

  private static Set<String> liveThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .collect(Collectors.toCollection(java.util.HashSet::new));
  }

  private HttpResponse<String> send(String method, String path, String body, Map<String, String> headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

}
