package dev.cairn.sample.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaProcess;
import dev.cairn.testkit.KafkaServer;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service starts while its Kafka broker is down: it serves commands and reads from the store,
 * its health is DOWN naming the broker, and once the broker appears the pipeline connects by
 * itself and the read model catches up, with health UP again.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class StartWithoutKafkaTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @TempDir Path dir;
  final HttpClient client = HttpClient.newHttpClient();
  final ObjectMapper json = new ObjectMapper();

  @Test
  void brokerDownAtStart_commandsWork_healthNamesKafka_thenThePipelineConnectsWhenItAppears() throws Exception {
    JdbcEventStore store = JdbcEventStore.builder(pg.dataSource()).meterRegistry(new SimpleMeterRegistry()).build();
    store.migrate();
    try (KafkaProcess broker = KafkaServer.childProcess(dir.resolve("broker"))) {
      broker.kill();
      OrdersService service = new OrdersService(store);
      OrdersHttpServer server = new OrdersHttpServer(service, 0);
      try {
        // It used to block 30 s creating the topic, then throw and exit.
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> service.startPipeline(broker.bootstrapServers()));
        server.start();

        HttpResponse<String> placed = post(server, "/orders",
            "{\"orderId\":\"swk-1\",\"customerId\":\"c-1\",\"lines\":[{\"sku\":\"a\",\"quantity\":2,\"unitPriceCents\":500}]}");
        assertThat(placed.statusCode()).isEqualTo(201);
        assertThat(get(server, "/orders/swk-1/history").statusCode()).isEqualTo(200); // from the store
        assertThat(get(server, "/orders/swk-1").statusCode()).isEqualTo(404); // the read model waits for Kafka

        await("health DOWN naming the broker")
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(() -> {
              HttpResponse<String> health = get(server, "/health");
              assertThat(health.statusCode()).isEqualTo(503);
              JsonNode body = json.readTree(health.body());
              assertThat(body.path("status").asText()).isEqualTo("DOWN");
              assertThat(health.body()).contains("kafka-pipeline").contains(broker.bootstrapServers());
              assertThat(health.body()).contains("kafka-unreachable");
            });
        assertThat(get(server, "/customers/c-1/stats").statusCode()).isEqualTo(503);

        broker.restart();
        await("read model catches up once the broker appears")
            .atMost(Duration.ofSeconds(150))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> service.summary("swk-1").isPresent());
        await("health UP again by itself")
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .untilAsserted(() -> {
              HttpResponse<String> health = get(server, "/health");
              assertThat(json.readTree(health.body()).path("status").asText()).isEqualTo("UP");
              assertThat(health.statusCode()).isEqualTo(200);
            });
      } finally {
        server.close();
        service.close();
      }
    }
  }

  private HttpResponse<String> get(OrdersHttpServer server, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(OrdersHttpServer server, String path, String body) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
