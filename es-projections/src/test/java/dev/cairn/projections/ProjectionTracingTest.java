package dev.cairn.projections;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import dev.cairn.api.SerializedEvent;
import dev.cairn.projections.Bank.Deposited;
import dev.cairn.projections.Bank.Opened;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.store.jdbc.spi.Traces;
import dev.cairn.testkit.PostgresExtension;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.junit5.OpenTelemetryExtension;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.MDC;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProjectionTracingTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final OpenTelemetryExtension otel = OpenTelemetryExtension.create();
  static final Duration WAIT = Duration.ofSeconds(30);
  static final FailurePolicy FAST =
      FailurePolicy.builder().maxAttempts(3).backoff(Duration.ofMillis(1), Duration.ofMillis(5)).build();
  static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String COMMAND_SPAN = "00f067aa0ba902b7";

  JdbcEventStore store;
  ProjectionManager manager;

  @BeforeEach
  void setUp() {
    store = Bank.store(pg.dataSource());
    manager = Bank.manager(store);
    Bank.POISON_FIXED.set(false);
    otel.clearSpans();
  }

  @AfterEach
  void fix() {
    Bank.POISON_FIXED.set(false);
  }

  @Test
  void eachEventIsProcessedInTheTraceItCarries_retriesAreSpans_andAParkedEventShowsItsError() {
    Projection broken = Bank.balances("balances", 1, true);
    manager.install(broken);
    List<RecordedEvent> ok = append("ok", new Opened("ann"), new Deposited(5));
    List<RecordedEvent> bad = append("bad", new Opened("bob"), new Deposited(Bank.POISON));
    UUID poison = bad.get(1).eventId();

    try (StoreProjectionRunner runner =
        manager.storeRunner(broken).failurePolicy(FAST).openTelemetry(otel.getOpenTelemetry()).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
      assertThat(manager.deadLetters().count(broken.spec())).isEqualTo(1);
    }

    List<SpanData> spans = otel.getSpans();
    SpanData applied = last(spansOf(spans, ok.get(1).eventId()));
    assertThat(applied.getName()).isEqualTo("process store");
    assertThat(applied.getKind()).isEqualTo(SpanKind.CONSUMER);
    assertThat(applied.getTraceId()).isEqualTo(TRACE);
    assertThat(applied.getParentSpanId()).isEqualTo(COMMAND_SPAN);
    assertThat(applied.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(applied.getAttributes().get(AttributeKey.stringKey("cairn.projection"))).isEqualTo("balances v1");

    List<SpanData> attempts = spansOf(spans, poison);
    assertThat(attempts).allSatisfy(s -> {
      assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(s.getTraceId()).isEqualTo(TRACE);
    });
    // The batch's first pass, then three attempts event by event: two retried, the third parked.
    assertThat(attempts).extracting(s -> s.getAttributes().get(AttributeKey.longKey("cairn.attempt")))
        .containsExactly(1L, 1L, 2L, 3L);
    assertThat(events(attempts, "cairn.retry")).hasSize(2);
    List<EventData> parked = events(attempts, "cairn.dead_letter.parked");
    assertThat(parked).singleElement().satisfies(e -> {
      assertThat(e.getAttributes().get(AttributeKey.stringKey("exception.type")))
          .isEqualTo(IllegalStateException.class.getName());
      assertThat(e.getAttributes().get(AttributeKey.stringKey("exception.message"))).isEqualTo("poison deposit in bad");
      assertThat(e.getAttributes().get(AttributeKey.longKey("cairn.attempt"))).isEqualTo(3L);
    });
  }

  @Test
  void withoutAnSdk_nothingIsRecorded_andTheRunnerWorks() {
    Projection balances = Bank.balances("plain", 1, false);
    manager.install(balances);
    append("ok", new Opened("ann"), new Deposited(5));

    try (StoreProjectionRunner runner =
        manager.storeRunner(balances).openTelemetry(OpenTelemetry.noop()).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
    }

    assertThat(otel.getSpans()).isEmpty();
    assertThat(Bank.read(store, manager.readModel(balances.spec()).view()).get("ok").balance()).isEqualTo(5);
  }

  @Test
  void whileAnEventIsApplied_itsTraceAndSpanIdsAreInTheMdc() {
    List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
    Projection recording =
        Projections.builder("mdc", 1)
            .table("CREATE TABLE {table} (account text PRIMARY KEY)")
            .on(Opened.class, (e, h, m) -> {
              logged.add(MDC.get(Traces.MDC_TRACE_ID) + "/" + MDC.get(Traces.MDC_SPAN_ID));
              h.execute("INSERT INTO " + m.table() + " VALUES (?)", e.streamId());
            })
            .build();
    manager.install(recording);
    UUID opened = append("ann", new Opened("ann")).get(0).eventId();

    try (StoreProjectionRunner runner =
        manager.storeRunner(recording).openTelemetry(otel.getOpenTelemetry()).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
    }

    SpanData applied = last(spansOf(otel.getSpans(), opened));
    assertThat(logged).containsExactly(TRACE + "/" + applied.getSpanId());
  }

  /** Appends as a traced command would: the events carry the command span's traceparent. */
  private List<RecordedEvent> append(String account, Bank.Event... events) {
    List<NewEvent> news = new ArrayList<>();
    EventMetadata metadata = EventMetadata.EMPTY.withTraceparent("00-" + TRACE + "-" + COMMAND_SPAN + "-01");
    for (Bank.Event e : events) {
      SerializedEvent s = Bank.SERIALIZER.serialize(e);
      news.add(new NewEvent(UUID.randomUUID(), s.eventType(), s.revision(), s.json(), metadata));
    }
    return store.append(new AppendRequest(account, "account", 0, news)).events();
  }

  private static List<SpanData> spansOf(List<SpanData> spans, UUID eventId) {
    return spans.stream()
        .filter(s -> eventId.toString().equals(s.getAttributes().get(AttributeKey.stringKey("messaging.message.id"))))
        .sorted(java.util.Comparator.comparingLong(SpanData::getStartEpochNanos))
        .toList();
  }

  private static SpanData last(List<SpanData> spans) {
    assertThat(spans).isNotEmpty();
    return spans.get(spans.size() - 1);
  }

  private static List<EventData> events(List<SpanData> spans, String name) {
    return spans.stream().flatMap(s -> s.getEvents().stream()).filter(e -> e.getName().equals(name)).toList();
  }
}
