package dev.cairn.sample.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tutorial's two processes in one JVM: the write side ({@link OrdersApp}: its PostgreSQL, a
 * Kafka broker process, the relay) and the read side ({@link ReadSideApp}: a PostgreSQL server of
 * its own and the write side's Kafka, nothing else), each on its own HTTP port.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ReadSideAppTest {

  private static final Duration EVENTUALLY = Duration.ofSeconds(90);
  static OrdersApp writeSide;
  static ReadSideApp readSide;
  static final HttpClient client = HttpClient.newHttpClient();
  static final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void start() {
    writeSide = assertStarted(() -> OrdersApp.start(0));
    readSide = ReadSideApp.start(null, writeSide.bootstrapServers(), 0);
  }

  private interface Starter {
    OrdersApp start() throws Exception;
  }

  private static OrdersApp assertStarted(Starter s) {
    try {
      return s.start();
    } catch (Exception e) {
      throw new IllegalStateException("the write side did not start", e);
    }
  }

  @AfterAll
  static void stop() {
    if (readSide != null) {
      readSide.close();
    }
    if (writeSide != null) {
      writeSide.close();
    }
  }

  @Test
  void readSide_servesTheSummariesFromKafka_andRebuildsToV2WhileServing() throws Exception {
    String write = "http://127.0.0.1:" + writeSide.port();
    String read = "http://127.0.0.1:" + readSide.port();
    assertThat(post(write + "/orders", "{\"orderId\":\"rs-1\",\"customerId\":\"ann\",\"lines\":[{\"sku\":\"book\",\"quantity\":2,\"unitPriceCents\":1250}]}").statusCode())
        .isEqualTo(201);
    assertThat(post(write + "/orders/rs-1/pay", "{\"amountCents\":2500}").statusCode()).isEqualTo(200);
    await().atMost(EVENTUALLY).untilAsserted(() -> {
      HttpResponse<String> r = get(read + "/orders/rs-1");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(json.readTree(r.body()).path("status").asText()).isEqualTo("PAID");
      assertThat(json.readTree(r.body()).path("totalCents").asLong()).isEqualTo(2500);
    });
    assertThat(get(read + "/orders/nope").statusCode()).isEqualTo(404);
    assertThat(json.readTree(get(read + "/health").body()).path("status").asText()).isIn("UP", "DEGRADED");
    // Commands belong to the write side.
    assertThat(post(read + "/orders", "{}").statusCode()).isIn(404, 405);

    // A reader keeps asking while the read side rebuilds version 2 from the topic.
    AtomicBoolean reading = new AtomicBoolean(true);
    AtomicLong reads = new AtomicLong();
    Queue<String> failures = new ConcurrentLinkedQueue<>();
    Thread reader = new Thread(() -> {
      while (reading.get()) {
        try {
          HttpResponse<String> r = get(read + "/orders/rs-1");
          if (r.statusCode() != 200) {
            failures.add(r.statusCode() + " " + r.body());
          }
          reads.incrementAndGet();
        } catch (Exception e) {
          failures.add(e.toString());
        }
      }
    });
    reader.start();
    try {
      HttpResponse<String> rebuild = post(read + "/admin/projections/order_summary/rebuild", "{\"version\":2}");
      assertThat(rebuild.statusCode()).as(rebuild.body()).isEqualTo(200);
      await().atMost(EVENTUALLY).untilAsserted(() -> {
        JsonNode order = json.readTree(get(read + "/orders/rs-1").body());
        assertThat(order.path("paidCents").asLong()).isEqualTo(2500);
      });
      long after = reads.get();
      await().atMost(EVENTUALLY).until(() -> reads.get() > after + 5);
    } finally {
      reading.set(false);
      reader.join();
    }
    assertThat(failures).isEmpty();
    JsonNode status = json.readTree(get(read + "/admin/projections").body());
    assertThat(status.path("versions")).anySatisfy(v -> {
      assertThat(v.path("version").asInt()).isEqualTo(1);
      assertThat(v.path("status").asText()).isEqualTo("RETIRED");
    });
    assertThat(status.path("versions")).anySatisfy(v -> {
      assertThat(v.path("version").asInt()).isEqualTo(2);
      assertThat(v.path("status").asText()).isEqualTo("ACTIVE");
    });
    // The write side's own summary is untouched: another consumer group, another database.
    JsonNode writeSideStatus = json.readTree(get(write + "/admin/projections").body());
    assertThat(writeSideStatus.path("versions").get(0).path("version").asInt()).isEqualTo(1);
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String url, String body) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
