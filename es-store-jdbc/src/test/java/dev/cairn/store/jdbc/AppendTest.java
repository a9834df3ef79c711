package dev.cairn.store.jdbc;

import static dev.cairn.store.jdbc.StoreTestSupport.event;
import static dev.cairn.store.jdbc.StoreTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.AppendResult;
import dev.cairn.api.ConcurrencyConflictException;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.EventTooLargeException;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AppendTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static JdbcEventStore store;

  @BeforeAll
  static void migrate() {
    store = StoreTestSupport.migratedStore(pg.dataSource());
  }

  @Test
  void append_toNewStream_storesEventsWithVersionsFromOne() {
    AppendResult result = store.append(request("a-1", 0, 3));

    assertThat(result.version()).isEqualTo(3);
    assertThat(result.events()).extracting(RecordedEvent::version).containsExactly(1L, 2L, 3L);
    assertThat(store.readStream("a-1", 0, 10))
        .extracting(RecordedEvent::eventId)
        .containsExactlyElementsOf(result.events().stream().map(RecordedEvent::eventId).toList());
    assertThat(store.streamVersion("a-1")).isEqualTo(3);
  }

  @Test
  void append_withStaleVersion_isRejectedNamingStreamAndVersions() {
    store.append(request("a-2", 0, 2));

    assertThatThrownBy(() -> store.append(request("a-2", 1, 1)))
        .isInstanceOf(ConcurrencyConflictException.class)
        .hasMessage("stream a-2: expected version 1 but was 2");
    assertThatThrownBy(() -> store.append(request("a-2", 0, 1)))
        .isInstanceOfSatisfying(
            ConcurrencyConflictException.class,
            e -> {
              assertThat(e.expectedVersion()).isZero();
              assertThat(e.actualVersion()).isEqualTo(2);
            });
    assertThat(store.readStream("a-2", 0, 10)).hasSize(2);
  }

  @Test
  void append_toStreamOfAnotherType_isRejected() {
    store.append(request("a-3", 0, 1));

    AppendRequest other = new AppendRequest("a-3", "order", 1, List.of(event("X", "{}")));
    assertThatThrownBy(() -> store.append(other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stream a-3 is of type account, not order");
  }

  @Test
  void metadataAndPayload_roundTrip() {
    EventMetadata md =
        new EventMetadata("corr", "cause", "tenant-1", "alice", "00-abc-def-01", Map.of("k", "v"));
    UUID id = UUID.randomUUID();
    store.append(
        new AppendRequest("a-4", "account", 0, List.of(new NewEvent(id, "Opened", 2, "{\"owner\": \"ann\"}", md))));

    RecordedEvent read = store.readStream("a-4", 0, 1).get(0);
    assertThat(read.eventId()).isEqualTo(id);
    assertThat(read.metadata()).isEqualTo(md);
    assertThat(read.schemaRevision()).isEqualTo(2);
    assertThat(read.payload()).isEqualTo("{\"owner\": \"ann\"}");
    assertThat(read.streamType()).isEqualTo("account");
  }

  @Test
  void badInput_isRejectedBeforeTheDatabase_andWritesNothing() {
    assertThatThrownBy(() -> new AppendRequest(" ", "account", 0, List.of(event("X", "{}"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stream id must not be blank");
    assertThatThrownBy(() -> new AppendRequest("x".repeat(201), "account", 0, List.of(event("X", "{}"))))
        .hasMessageContaining("at most 200 characters but was 201");
    assertThatThrownBy(() -> new AppendRequest("a-5", "account", -1, List.of(event("X", "{}"))))
        .hasMessage("expected version of stream a-5 must be >= 0 but was -1");
    assertThatThrownBy(() -> new AppendRequest("a-5", "account", 0, List.of()))
        .hasMessage("stream a-5: an append needs at least one event");
    assertThatThrownBy(() -> new AppendRequest("a-5", "bad type!", 0, List.of(event("X", "{}"))))
        .hasMessageContaining("stream type must match");

    JdbcEventStore small =
        JdbcEventStore.builder(pg.dataSource()).maxEventBytes(100).meterRegistry(new SimpleMeterRegistry()).build();
    String big = "{\"s\":\"" + "é".repeat(60) + "\"}";
    AppendRequest tooLarge =
        new AppendRequest("a-5", "account", 0, List.of(event("Small", "{}"), event("Big", big)));
    assertThatThrownBy(() -> small.append(tooLarge))
        .isInstanceOf(EventTooLargeException.class)
        .hasMessage("stream a-5: event Big is 128 bytes, over the limit of 100 bytes");

    assertThat(store.streamVersion("a-5")).isZero();
    assertThat(store.readStream("a-5", 0, 10)).isEmpty();
  }

  @Test
  void configuredIdentifiers_areValidated() {
    assertThatThrownBy(() -> JdbcEventStore.builder(pg.dataSource()).schema("x; DROP TABLE events"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("schema must match [a-z_][a-z0-9_]* (at most 48 characters) but was 'x; DROP TABLE events'");
    assertThatThrownBy(() -> JdbcEventStore.builder(pg.dataSource()).tablePrefix("Cairn"))
        .hasMessageContaining("table prefix must match");
  }

  @Test
  void storeInItsOwnSchemaAndPrefix_isIndependentOfTheDefaultOne() {
    JdbcEventStore other =
        JdbcEventStore.builder(pg.dataSource())
            .schema("cairn_other")
            .tablePrefix("es_")
            .meterRegistry(new SimpleMeterRegistry())
            .build();
    other.migrate();
    other.migrate(); // idempotent

    other.append(request("shared-id", 0, 1));
    store.append(request("shared-id", 0, 2));

    assertThat(other.streamVersion("shared-id")).isEqualTo(1);
    assertThat(store.streamVersion("shared-id")).isEqualTo(2);
    int history =
        pg.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT count(*) FROM cairn_other.es_cairn_schema_history")
                        .mapTo(Integer.class)
                        .one());
    assertThat(history).isPositive();
  }
}
