package dev.cairn.bus.kafka;

import static dev.cairn.bus.kafka.RelayTestSupport.migratedStore;
import static dev.cairn.bus.kafka.RelayTestSupport.readTopics;
import static dev.cairn.bus.kafka.RelayTestSupport.relayBuilder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.junit5.OpenTelemetryExtension;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RelayTracingTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  @RegisterExtension static final OpenTelemetryExtension otel = OpenTelemetryExtension.create();

  static final String TRACE_A = "0af7651916cd43dd8448eb211c80319c";
  static final String TRACE_B = "1af7651916cd43dd8448eb211c80319c";
  static final String SPAN = "b7ad6b7169203331";

  private KafkaRelay relay(JdbcEventStore store, String prefix, OpenTelemetry openTelemetry) {
    return relay(store, prefix, openTelemetry, () -> {});
  }

  private KafkaRelay relay(JdbcEventStore store, String prefix, OpenTelemetry openTelemetry, Runnable afterSends) {
    return relayBuilder(store, kafka.bootstrapServers(), prefix)
        .afterSends(afterSends)
        .transactionalId(kafka.name("traced-relay"))
        .partitions(2)
        .pollInterval(Duration.ofMillis(200))
        .openTelemetry(openTelemetry)
        .build();
  }

  @Test
  void eachRecordGetsACreateSpanInItsCommandsTrace_andTheBatchInATraceOfItsOwnLinksToThem() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "traced");
    String prefix = kafka.name("traced.");
    // Two commands' events (two traces) and one event written without a trace, in one batch.
    List<RecordedEvent> events =
        store.append(new AppendRequest("acc-1", "account", 0, List.of(
            event("00-" + TRACE_A + "-" + SPAN + "-01"), event(null), event("00-" + TRACE_B + "-" + SPAN + "-01"))))
            .events();

    List<String> currentWhilePublishing = new java.util.concurrent.CopyOnWriteArrayList<>();
    Runnable afterSends = () -> currentWhilePublishing.add(Span.current().getSpanContext().getSpanId());
    try (KafkaRelay relay = relay(store, prefix, otel.getOpenTelemetry(), afterSends).start()) {
      await().atMost(Duration.ofSeconds(60)).until(() -> relay.status().position().equals(store.headPosition()));
    }

    List<ConsumerRecord<String, byte[]>> records = readTopics(kafka.bootstrapServers(), List.of(prefix + "account"));
    assertThat(records).hasSize(3);
    List<SpanData> spans = otel.getSpans();
    List<SpanData> creates = spans.stream().filter(s -> s.getName().equals("create " + prefix + "account")).toList();
    assertThat(creates).hasSize(2);
    assertThat(creates).extracting(SpanData::getTraceId).containsExactlyInAnyOrder(TRACE_A, TRACE_B);
    assertThat(creates).allSatisfy(c -> {
      assertThat(c.getParentSpanId()).isEqualTo(SPAN);
      assertThat(c.getKind()).isEqualTo(SpanKind.PRODUCER);
      assertThat(c.getAttributes().get(AttributeKey.stringKey("messaging.system"))).isEqualTo("kafka");
      assertThat(c.getAttributes().get(AttributeKey.stringKey("messaging.operation.type"))).isEqualTo("create");
    });
    // The record's traceparent names its create span, so a consumer continues from there.
    for (SpanData c : creates) {
      String eventId = c.getAttributes().get(AttributeKey.stringKey("messaging.message.id"));
      ConsumerRecord<String, byte[]> record =
          records.stream().filter(r -> header(r, CairnRecords.CE_ID).equals(eventId)).findFirst().orElseThrow();
      assertThat(header(record, CairnRecords.TRACEPARENT)).contains(c.getTraceId() + "-" + c.getSpanId());
    }
    ConsumerRecord<String, byte[]> untraced =
        records.stream().filter(r -> header(r, CairnRecords.CE_ID).equals(events.get(1).eventId().toString()))
            .findFirst().orElseThrow();
    assertThat(untraced.headers().lastHeader(CairnRecords.TRACEPARENT)).isNull();

    SpanData batch = spans.stream().filter(s -> s.getName().equals("send " + prefix + "account")).findFirst().orElseThrow();
    assertThat(batch.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(batch.getParentSpanContext().isValid()).isFalse();
    assertThat(batch.getTraceId()).isNotIn(TRACE_A, TRACE_B);
    assertThat(batch.getAttributes().get(AttributeKey.longKey("messaging.batch.message_count"))).isEqualTo(3L);
    assertThat(batch.getLinks()).extracting(LinkData::getSpanContext)
        .containsExactlyInAnyOrderElementsOf(creates.stream().map(SpanData::getSpanContext).toList());
    // The batch span is current while the relay publishes (and so its ids are in the MDC).
    assertThat(currentWhilePublishing).containsExactly(batch.getSpanId());
  }

  @Test
  void withoutAnSdk_nothingIsRecorded_andRecordsCarryTheEventsOwnTraceparent() {
    JdbcEventStore store = migratedStore(pg.dataSource(), "untraced");
    String prefix = kafka.name("untraced.");
    String traceparent = "00-" + TRACE_A + "-" + SPAN + "-01";
    store.append(new AppendRequest("acc-1", "account", 0, List.of(event(traceparent))));
    otel.clearSpans();

    try (KafkaRelay relay = relay(store, prefix, OpenTelemetry.noop()).start()) {
      await().atMost(Duration.ofSeconds(60)).until(() -> relay.status().position().equals(store.headPosition()));
    }

    List<ConsumerRecord<String, byte[]>> records = readTopics(kafka.bootstrapServers(), List.of(prefix + "account"));
    assertThat(records).singleElement().satisfies(r -> assertThat(header(r, CairnRecords.TRACEPARENT)).isEqualTo(traceparent));
    assertThat(otel.getSpans()).isEmpty();
  }

  private static NewEvent event(String traceparent) {
    return new NewEvent(
        UUID.randomUUID(), "Deposited", 1, "{\"amount\":1}", EventMetadata.EMPTY.withTraceparent(traceparent));
  }

  private static String header(ConsumerRecord<String, byte[]> r, String key) {
    Header h = r.headers().lastHeader(key);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
