package dev.cairn.sample.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.RecordedEvent;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.junit5.OpenTelemetryExtension;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One request followed from the HTTP server through the store, the relay and Kafka to the row the
 * projection wrote: the whole pipeline of the sample on real servers, traced by an SDK that keeps
 * the spans in memory.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TracingTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  @RegisterExtension static final OpenTelemetryExtension otel = OpenTelemetryExtension.create();

  static final Duration EVENTUALLY = Duration.ofSeconds(90);
  static final String CLIENT_TRACE = "5af7651916cd43dd8448eb211c80319d";
  static final String CLIENT_SPAN = "c7ad6b7169203332";
  static OrdersService service;
  static OrdersHttpServer server;
  static final HttpClient client = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    JdbcEventStore store =
        JdbcEventStore.builder(pg.dataSource())
            .meterRegistry(new SimpleMeterRegistry())
            .openTelemetry(otel.getOpenTelemetry())
            .build();
    store.migrate();
    service = new OrdersService(store);
    service.startPipeline(kafka.bootstrapServers());
    server = new OrdersHttpServer(service, 0);
    server.start();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (service != null) {
      service.close();
    }
  }

  @Test
  void onePostOrders_isOneTrace_fromTheHttpSpanToTheApplySpanThatWroteTheRow_andTheRelaysBatchLinksToIt()
      throws Exception {
    HttpResponse<String> placed =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/orders"))
                .header("Content-Type", "application/json")
                .header("traceparent", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01")
                .POST(HttpRequest.BodyPublishers.ofString(
                    "{\"orderId\":\"t-1\",\"customerId\":\"c-1\",\"lines\":[{\"sku\":\"a\",\"quantity\":1,\"unitPriceCents\":500}]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(placed.statusCode()).as(placed.body()).isEqualTo(201);
    RecordedEvent event = service.store().readStream("t-1", 0, 10).get(0);

    await().atMost(EVENTUALLY).until(() -> summaryRows("t-1") == 1);
    // The runner ends its span right after the batch commits; the relay right after Kafka's commit.
    await().atMost(EVENTUALLY).until(() -> processed(event).isPresent() && batchOf(event).isPresent());

    List<SpanData> spans = otel.getSpans();
    SpanData http = only(spans, s -> s.getKind() == SpanKind.SERVER);
    SpanData command = only(spans, s -> s.getName().equals("handle order"));
    SpanData create = only(spans, s -> s.getName().equals("create order") && isAbout(s, event));
    SpanData apply = processed(event).orElseThrow();
    SpanData batch = batchOf(event).orElseThrow();

    // One trace, continued from the client's traceparent header.
    assertThat(List.of(http, command, create, apply)).extracting(SpanData::getTraceId).containsOnly(CLIENT_TRACE);
    assertThat(http.getName()).isEqualTo("POST");
    assertThat(http.getParentSpanId()).isEqualTo(CLIENT_SPAN);
    assertThat(http.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(201L);
    assertThat(command.getParentSpanId()).isEqualTo(http.getSpanId());
    assertThat(create.getParentSpanId()).isEqualTo(command.getSpanId());
    assertThat(create.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(apply.getParentSpanId()).isEqualTo(create.getSpanId());
    assertThat(apply.getKind()).isEqualTo(SpanKind.CONSUMER);
    assertThat(apply.getAttributes().get(AttributeKey.stringKey("cairn.projection"))).startsWith("order_summary v");
    // The batch has a trace of its own, linked to the record's create span.
    assertThat(batch.getTraceId()).isNotEqualTo(CLIENT_TRACE);
    assertThat(batch.getParentSpanContext().isValid()).isFalse();
    assertThat(batch.getLinks()).extracting(LinkData::getSpanContext).contains(create.getSpanContext());
    // The stored event names the command; the Kafka record named the create span (the apply's parent).
    assertThat(event.metadata().traceparent()).contains(command.getSpanId());
  }

  private static int summaryRows(String orderId) {
    return pg.jdbi().withHandle(h ->
        h.createQuery("SELECT count(*) FROM order_summary WHERE order_id = :id").bind("id", orderId)
            .mapTo(Integer.class).one());
  }

  private static Optional<SpanData> processed(RecordedEvent event) {
    return otel.getSpans().stream()
        // The order summary's: the checkout workflow's projection applies order events too.
        .filter(s -> s.getKind() == SpanKind.CONSUMER && isAbout(s, event)
            && String.valueOf(s.getAttributes().get(AttributeKey.stringKey("cairn.projection"))).startsWith("order_summary"))
        .findFirst();
  }

  private static Optional<SpanData> batchOf(RecordedEvent event) {
    Optional<SpanData> create =
        otel.getSpans().stream().filter(s -> s.getName().equals("create order") && isAbout(s, event)).findFirst();
    return create.flatMap(c -> otel.getSpans().stream()
        .filter(s -> s.getName().startsWith("send"))
        .filter(s -> s.getLinks().stream().anyMatch(l -> l.getSpanContext().equals(c.getSpanContext())))
        .findFirst());
  }

  private static boolean isAbout(SpanData span, RecordedEvent event) {
    return event.eventId().toString().equals(span.getAttributes().get(AttributeKey.stringKey("messaging.message.id")));
  }

  private static SpanData only(List<SpanData> spans, java.util.function.Predicate<SpanData> which) {
    List<SpanData> matching = spans.stream().filter(which).toList();
    assertThat(matching).as("spans among %s", spans).hasSize(1);
    return matching.get(0);
  }
}
