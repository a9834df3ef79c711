package dev.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class JacksonEventSerializerTest {

  private static final Instant AT = Instant.parse("2024-05-06T07:08:09.123456789Z");
  private static final GlobalPosition POSITION = new GlobalPosition(812, 4711);

  record NotAnEvent(String value) {}

  record Basket(String id, List<String> items, Instant updatedAt, long version) {}

  private final JacksonEventSerializer serializer =
      JacksonEventSerializer.create(
          EventTypeRegistry.builder().registerSealed(TestEvent.class).build());

  private static RecordedEvent stored(String type, int revision, String json) {
    return new RecordedEvent(
        UUID.randomUUID(),
        "basket-42",
        "Basket",
        3,
        POSITION,
        AT,
        type,
        revision,
        json,
        EventMetadata.EMPTY);
  }

  private static RecordedEvent storedAs(SerializedEvent serialized) {
    return stored(serialized.eventType(), serialized.revision(), serialized.json());
  }

  @Test
  void serialize_namesEventsByRegisteredNameAndRevision() {
    SerializedEvent added = serializer.serialize(new TestEvent.Added("apple", 3, AT));
    SerializedEvent archived = serializer.serialize(new TestEvent.Archived("done"));

    assertThat(added.eventType()).isEqualTo("Added");
    assertThat(added.revision()).isEqualTo(1);
    assertThat(archived.eventType()).isEqualTo("Archived");
    assertThat(archived.revision()).isEqualTo(1);
  }

  @Test
  void serializeThenDeserialize_returnsEqualRecords() {
    List<TestEvent> events =
        List.of(
            new TestEvent.Added("apple", 3, AT),
            new TestEvent.Removed("apple"),
            new TestEvent.Archived("customer left"));

    for (TestEvent event : events) {
      assertThat(serializer.deserialize(storedAs(serializer.serialize(event)))).isEqualTo(event);
    }
  }

  @Test
  void serialize_writesInstantsAsIsoStrings() throws Exception {
    SerializedEvent added = serializer.serialize(new TestEvent.Added("apple", 3, AT));

    JsonNode json = new ObjectMapper().readTree(added.json());
    assertThat(json.get("at").isTextual()).isTrue();
    assertThat(json.get("at").asText()).isEqualTo("2024-05-06T07:08:09.123456789Z");
  }

  @Test
  void isRegistered_tellsRegisteredFromUnregisteredClasses() {
    assertThat(serializer.isRegistered(TestEvent.Removed.class)).isTrue();
    assertThat(serializer.isRegistered(NotAnEvent.class)).isFalse();
    assertThat(serializer.isRegistered(TestEvent.class)).isFalse();
  }

  @Test
  void serialize_ofUnregisteredClass_isRejected() {
    assertThatThrownBy(() -> serializer.serialize(new NotAnEvent("x")))
        .isInstanceOf(UnregisteredEventException.class)
        .hasMessageContaining(NotAnEvent.class.getName())
        .extracting(e -> ((UnregisteredEventException) e).eventClass())
        .isEqualTo(NotAnEvent.class.getName());
  }

  @Test
  void deserialize_ofUnknownType_namesTypeStreamAndPosition() {
    assertThatThrownBy(() -> serializer.deserialize(stored("Exploded", 1, "{}")))
        .isInstanceOf(UnknownEventTypeException.class)
        .hasMessageContaining("Exploded")
        .hasMessageContaining("basket-42")
        .hasMessageContaining("812/4711")
        .satisfies(
            e -> {
              var unknown = (UnknownEventTypeException) e;
              assertThat(unknown.eventType()).isEqualTo("Exploded");
              assertThat(unknown.revision()).isEqualTo(1);
            });
  }

  @Test
  void deserialize_ofRevisionNewerThanRegistered_isRejected() {
    // Written by a newer release of the service than the one reading it.
    RecordedEvent fromTheFuture = stored("Removed", 2, "{\"itemId\":\"apple\"}");

    assertThatThrownBy(() -> serializer.deserialize(fromTheFuture))
        .isInstanceOf(UnknownEventTypeException.class)
        .hasMessageContaining("Removed")
        .hasMessageContaining("revision 2")
        .hasMessageContaining("basket-42")
        .hasMessageContaining("812/4711");
  }

  /** Added's history: v1 {item}, v2 {itemId, quantity}, v3 {itemId, quantity, at}. */
  private static EventTypeRegistry.Builder addedAtRevisionThree() {
    return EventTypeRegistry.builder().registerSealed(TestEvent.class).revision("Added", 3);
  }

  private static final Upcaster V1_TO_V2 =
      json -> {
        json.set("itemId", json.remove("item"));
        json.put("quantity", 1);
        return json;
      };

  private static final Upcaster V2_TO_V3 = json -> json.put("at", "1970-01-01T00:00:00Z");

  private static JacksonEventSerializer upcastingSerializer() {
    return JacksonEventSerializer.create(
        addedAtRevisionThree()
            .upcaster("Added", 1, V1_TO_V2)
            .upcaster("Added", 2, V2_TO_V3)
            .build());
  }

  /** A stored Added at revision 1 whose quantity is the given raw JSON. */
  private static RecordedEvent addedWithQuantity(String quantityJson) {
    return stored(
        "Added",
        1,
        "{\"itemId\":\"apple\",\"quantity\":" + quantityJson + ",\"at\":\"2024-05-06T07:08:09Z\"}");
  }

  @Test
  void deserialize_ofOldRevision_runsTheUpcasterChain() {
    var upcasting = upcastingSerializer();

    Object fromV1 = upcasting.deserialize(stored("Added", 1, "{\"item\":\"pear\"}"));
    Object fromV2 =
        upcasting.deserialize(stored("Added", 2, "{\"itemId\":\"plum\",\"quantity\":5}"));

    assertThat(fromV1).isEqualTo(new TestEvent.Added("pear", 1, Instant.EPOCH));
    assertThat(fromV2).isEqualTo(new TestEvent.Added("plum", 5, Instant.EPOCH));
  }

  @Test
  void serialize_ofUpcastType_writesTheCurrentRevision() {
    var upcasting = upcastingSerializer();

    assertThat(upcasting.serialize(new TestEvent.Added("fig", 2, AT)).revision()).isEqualTo(3);
  }

  @Test
  void deserialize_withMissingMiddleUpcaster_isRejected() {
    var gap =
        JacksonEventSerializer.create(
            addedAtRevisionThree().upcaster("Added", 1, V1_TO_V2).build());

    assertThatThrownBy(() -> gap.deserialize(stored("Added", 1, "{\"item\":\"pear\"}")))
        .isInstanceOf(UnknownEventTypeException.class)
        .hasMessageContaining("Added")
        .hasMessageContaining("revision 2")
        .hasMessageContaining("basket-42")
        .hasMessageContaining("812/4711");
  }

  @Test
  void deserialize_ofOldRevisionThatIsNotAnObject_isRejected() {
    var upcasting = upcastingSerializer();

    assertThatThrownBy(() -> upcasting.deserialize(stored("Added", 1, "[1,2]")))
        .isInstanceOf(EventSerializationException.class)
        .hasMessageContaining("Added")
        .hasMessageContaining("basket-42");
  }

  @Test
  void deserialize_withMissingProperty_isRejected() {
    RecordedEvent noQuantity =
        stored("Added", 1, "{\"itemId\":\"apple\",\"at\":\"2024-05-06T07:08:09Z\"}");

    assertThatThrownBy(() -> serializer.deserialize(noQuantity))
        .isInstanceOf(EventSerializationException.class)
        .hasMessageContaining("Added")
        .hasMessageContaining("quantity")
        .hasMessageContaining("basket-42")
        .hasMessageContaining("812/4711");
  }

  @Test
  void deserialize_withUnknownProperty_isRejected() {
    RecordedEvent extra = stored("Removed", 1, "{\"itemId\":\"apple\",\"reason\":\"mouldy\"}");

    assertThatThrownBy(() -> serializer.deserialize(extra))
        .isInstanceOf(EventSerializationException.class)
        .hasMessageContaining("Removed")
        .hasMessageContaining("reason");
  }

  @Test
  void deserialize_withWronglyTypedProperty_isRejected() {
    RecordedEvent textQuantity = addedWithQuantity("\"many\"");

    assertThatThrownBy(() -> serializer.deserialize(textQuantity))
        .isInstanceOf(EventSerializationException.class)
        .hasMessageContaining("Added")
        .hasMessageContaining("quantity");
  }

  @Test
  void deserialize_withFractionalNumberForIntegralProperty_isRejected() {
    // Silently truncating 2.5 to 2 would change the event's meaning.
    RecordedEvent fractional = addedWithQuantity("2.5");

    assertThatThrownBy(() -> serializer.deserialize(fractional))
        .isInstanceOf(EventSerializationException.class)
        .hasMessageContaining("Added");
  }

  @Test
  void deserialize_withQuotedNumberForNumericProperty_isRejected() {
    RecordedEvent quoted = addedWithQuantity("\"2\"");

    assertThatThrownBy(() -> serializer.deserialize(quoted))
        .isInstanceOf(EventSerializationException.class)
        .hasMessageContaining("Added")
        .hasMessageContaining("quantity");
  }

  @Test
  void deserialize_withNullForPrimitiveProperty_isRejected() {
    RecordedEvent nullQuantity = addedWithQuantity("null");

    assertThatThrownBy(() -> serializer.deserialize(nullQuantity))
        .isInstanceOf(EventSerializationException.class)
        .hasMessageContaining("Added");
  }

  @Test
  void deserialize_ofMalformedJson_isRejected() {
    assertThatThrownBy(() -> serializer.deserialize(stored("Removed", 1, "{\"itemId\":")))
        .isInstanceOf(EventSerializationException.class)
        .hasMessageContaining("Removed")
        .hasMessageContaining("basket-42");
  }

  @Test
  void writeStateThenReadState_returnsEqualState() {
    Basket state = new Basket("basket-42", List.of("apple", "pear"), AT, 7);

    String json = serializer.writeState(state);

    assertThat(json).contains("\"2024-05-06T07:08:09.123456789Z\"");
    assertThat(serializer.readState(json, Basket.class)).isEqualTo(state);
  }

  @Test
  void readState_ofUnreadableJson_isRejected() {
    assertThatThrownBy(() -> serializer.readState("{\"id\":\"basket-42\"}", Basket.class))
        .isInstanceOf(EventSerializationException.class)
        .hasMessageContaining(Basket.class.getName());
  }
}
