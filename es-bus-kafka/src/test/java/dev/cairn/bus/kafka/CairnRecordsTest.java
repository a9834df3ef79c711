package dev.cairn.bus.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.api.EventEnvelope;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.api.RecordedEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class CairnRecordsTest {

  sealed interface Cart {
    record ItemAdded(String itemId, long quantity) implements Cart {}
  }

  private static final UUID ID = UUID.fromString("0b6c1f5e-8a44-4a8e-9d8f-0d5a3c2b1a00");
  private static final Instant AT = Instant.parse("2024-05-06T07:08:09.123456Z");

  private static RecordedEvent event(EventMetadata metadata, int revision, String payload) {
    return new RecordedEvent(
        ID, "cart-42", "Cart", 7, new GlobalPosition(901, 1234), AT, "ItemAdded", revision,
        payload, metadata);
  }

  private static final EventMetadata FULL =
      new EventMetadata(
          "corr-1", "cause-2", "tenant-a", "alice",
          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Map.of("origin", "web"));

  private static ConsumerRecord<String, byte[]> consumed(ProducerRecord<String, byte[]> p) {
    return new ConsumerRecord<>(
        p.topic(), 3, 42L, 0L, TimestampType.CREATE_TIME, -1, -1, p.key(), p.value(),
        new RecordHeaders(p.headers().toArray()), Optional.empty());
  }

  private static Map<String, String> headers(ProducerRecord<String, byte[]> p) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Header h : p.headers()) {
      out.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
    }
    return out;
  }

  @Test
  void toRecord_writesKeyValueAndDocumentedHeaders() {
    var record = CairnRecords.toRecord("Cart", event(FULL, 2, "{\"itemId\":\"é\",\"quantity\":3}"), "cairn://shop");

    assertThat(record.topic()).isEqualTo("Cart");
    assertThat(record.partition()).isNull();
    assertThat(record.key()).isEqualTo("cart-42");
    assertThat(new String(record.value(), StandardCharsets.UTF_8))
        .isEqualTo("{\"itemId\":\"é\",\"quantity\":3}");
    assertThat(headers(record))
        .containsExactly(
            Map.entry("ce_specversion", "1.0"),
            Map.entry("ce_id", ID.toString()),
            Map.entry("ce_type", "ItemAdded"),
            Map.entry("ce_source", "cairn://shop"),
            Map.entry("ce_subject", "cart-42"),
            Map.entry("ce_time", "2024-05-06T07:08:09.123456Z"),
            Map.entry("content-type", "application/json"),
            Map.entry("cairn_stream_type", "Cart"),
            Map.entry("cairn_version", "7"),
            Map.entry("cairn_position", "901/1234"),
            Map.entry("cairn_schema_revision", "2"),
            Map.entry("cairn_correlation_id", "corr-1"),
            Map.entry("cairn_causation_id", "cause-2"),
            Map.entry("cairn_tenant", "tenant-a"),
            Map.entry("cairn_user", "alice"),
            Map.entry("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            Map.entry("cairn_meta_origin", "web"));
  }

  @Test
  void toRecord_leavesOutMetadataThatIsNotSet() {
    var record = CairnRecords.toRecord("Cart", event(EventMetadata.EMPTY, 1, "{}"), "cairn://shop");

    assertThat(headers(record).keySet())
        .doesNotContain(
            CairnRecords.CORRELATION_ID, CairnRecords.CAUSATION_ID, CairnRecords.TENANT,
            CairnRecords.USER, CairnRecords.TRACEPARENT)
        .hasSize(11);
  }

  @Test
  void toRecordedEvent_readsBackWhatToRecordWrote() {
    RecordedEvent original = event(FULL, 2, "{\"itemId\":\"é\",\"quantity\":3}");
    assertThat(CairnRecords.toRecordedEvent(consumed(CairnRecords.toRecord("t", original, "s"))))
        .isEqualTo(original);

    RecordedEvent bare = event(EventMetadata.EMPTY, 1, "{}");
    assertThat(CairnRecords.toRecordedEvent(consumed(CairnRecords.toRecord("t", bare, "s"))))
        .isEqualTo(bare);
  }

  @Test
  void toRecordedEvent_withMissingHeader_namesRecordAndHeader() {
    var record = CairnRecords.toRecord("Cart", event(FULL, 1, "{}"), "s");
    record.headers().remove(CairnRecords.POSITION);

    assertThatThrownBy(() -> CairnRecords.toRecordedEvent(consumed(record)))
        .isInstanceOf(RecordFormatException.class)
        .hasMessage("record Cart-3@42 is not a Cairn event: header cairn_position is missing")
        .satisfies(
            e -> {
              var rfe = (RecordFormatException) e;
              assertThat(rfe.topic()).isEqualTo("Cart");
              assertThat(rfe.partition()).isEqualTo(3);
              assertThat(rfe.offset()).isEqualTo(42L);
              assertThat(rfe.header()).isEqualTo("cairn_position");
            });
  }

  @Test
  void toRecordedEvent_withMalformedHeader_namesHeaderAndValue() {
    var record = CairnRecords.toRecord("Cart", event(FULL, 1, "{}"), "s");
    record.headers().remove(CairnRecords.VERSION);
    record.headers().add(CairnRecords.VERSION, "seven".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> CairnRecords.toRecordedEvent(consumed(record)))
        .isInstanceOf(RecordFormatException.class)
        .hasMessageStartingWith(
            "record Cart-3@42 is not a Cairn event: cairn_version has the unreadable value 'seven'");
  }

  @Test
  void toEnvelope_readsTheTypedEventThroughTheRegistryAndUpcasters() {
    var registry =
        EventTypeRegistry.builder()
            .registerSealed(Cart.class)
            .revision("ItemAdded", 2)
            .upcaster("ItemAdded", 1, json -> json.put("quantity", 1))
            .build();
    var serializer = JacksonEventSerializer.create(registry);
    var record = CairnRecords.toRecord("Cart", event(FULL, 1, "{\"itemId\":\"x\"}"), "s");

    EventEnvelope<Cart> envelope = CairnRecords.toEnvelope(consumed(record), serializer);

    assertThat(envelope.event()).isEqualTo(new Cart.ItemAdded("x", 1));
    assertThat(envelope.streamId()).isEqualTo("cart-42");
    assertThat(envelope.version()).isEqualTo(7);
    assertThat(envelope.position()).isEqualTo(new GlobalPosition(901, 1234));
    assertThat(envelope.schemaRevision()).isEqualTo(1);
    assertThat(envelope.metadata()).isEqualTo(FULL);
  }
}
