package dev.cairn.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.api.CommandOptions;
import dev.cairn.api.Decider;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.RecordedEvent;
import dev.cairn.store.jdbc.Accounts.Account;
import dev.cairn.store.jdbc.Accounts.AccountDecider;
import dev.cairn.store.jdbc.Accounts.Command;
import dev.cairn.store.jdbc.Accounts.Deposit;
import dev.cairn.store.jdbc.Accounts.Event;
import dev.cairn.store.jdbc.Accounts.Open;
import dev.cairn.store.jdbc.spi.Traces;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.junit5.OpenTelemetryExtension;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.MDC;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CommandTracingTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final OpenTelemetryExtension otel = OpenTelemetryExtension.create();

  static final String CALLER_TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  static JdbcEventStore traced;
  static JdbcEventStore untraced;

  @BeforeAll
  static void setUp() {
    traced = JdbcEventStore.builder(pg.dataSource()).meterRegistry(new SimpleMeterRegistry())
        .openTelemetry(otel.getOpenTelemetry()).build();
    traced.migrate();
    untraced = JdbcEventStore.builder(pg.dataSource()).meterRegistry(new SimpleMeterRegistry())
        .openTelemetry(OpenTelemetry.noop()).build();
  }

  /** Wraps the account decider: the first decide of a deposit lets another writer append first. */
  static final class RacedDecider implements Decider<Command, Account, Event> {
    final AccountDecider inner = new AccountDecider();
    final AtomicBoolean raced;
    final List<String> traceIdsSeen = new ArrayList<>();
    final List<String> traceIdsLogged = new ArrayList<>();

    RacedDecider(boolean race) {
      this.raced = new AtomicBoolean(!race);
    }

    @Override
    public Account initialState() {
      return inner.initialState();
    }

    @Override
    public List<Event> decide(Command c, Account s) {
      traceIdsLogged.add(MDC.get(Traces.MDC_TRACE_ID));
      traceIdsSeen.add(Span.current().getSpanContext().isValid() ? Span.current().getSpanContext().getTraceId() : null);
      if (c instanceof Deposit && raced.compareAndSet(false, true)) {
        String stream = "acc-raced";
        traced.append(StoreTestSupport.request(stream, traced.streamVersion(stream), 1));
      }
      return inner.decide(c, s);
    }

    @Override
    public Account evolve(Account s, Event e) {
      return inner.evolve(s, e);
    }
  }

  @Test
  void commandRetriedAfterAConflict_showsBothAttempts_andItsEventsCarryTheCommandsContext() {
    RacedDecider decider = new RacedDecider(true);
    var accounts = traced.repository("account", decider).serializer(Accounts.serializer()).build();
    accounts.handle("acc-raced", new Open("ann"));
    otel.clearSpans();

    accounts.handle("acc-raced", new Deposit(5));

    List<SpanData> spans = otel.getSpans();
    SpanData command = only(spans, "handle account");
    assertThat(command.getParentSpanContext().isValid()).isFalse();
    assertThat(command.getAttributes().get(AttributeKey.stringKey("cairn.stream.id"))).isEqualTo("acc-raced");
    assertThat(command.getAttributes().get(AttributeKey.stringKey("cairn.command.type"))).isEqualTo("Deposit");
    assertThat(command.getAttributes().get(AttributeKey.longKey("cairn.command.attempts"))).isEqualTo(2L);
    assertThat(command.getAttributes().get(AttributeKey.longKey("cairn.command.conflicts"))).isEqualTo(1L);
    assertThat(command.getAttributes().get(AttributeKey.longKey("cairn.stream.version"))).isEqualTo(3L);
    assertThat(command.getEvents()).singleElement().satisfies(e -> {
      assertThat(e.getName()).isEqualTo("cairn.conflict");
      assertThat(e.getAttributes().get(AttributeKey.longKey("cairn.stream.expected_version"))).isEqualTo(1L);
      assertThat(e.getAttributes().get(AttributeKey.longKey("cairn.stream.actual_version"))).isEqualTo(2L);
      assertThat(e.getAttributes().get(AttributeKey.booleanKey("cairn.command.retried"))).isTrue();
    });

    List<SpanData> appends = named(spans, "append public.events");
    assertThat(appends).hasSize(2);
    assertThat(appends).allSatisfy(a -> {
      assertThat(a.getParentSpanId()).isEqualTo(command.getSpanId());
      assertThat(a.getKind()).isEqualTo(SpanKind.CLIENT);
      assertThat(a.getAttributes().get(AttributeKey.stringKey("db.system.name"))).isEqualTo("postgresql");
    });
    assertThat(appends.get(0).getAttributes().get(AttributeKey.longKey("cairn.command.attempt"))).isEqualTo(1L);
    assertThat(appends.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(appends.get(0).getAttributes().get(AttributeKey.stringKey("error.type")))
        .isEqualTo("dev.cairn.api.ConcurrencyConflictException");
    assertThat(appends.get(1).getAttributes().get(AttributeKey.longKey("cairn.command.attempt"))).isEqualTo(2L);
    assertThat(appends.get(1).getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    List<SpanData> loads = named(spans, "load account");
    assertThat(loads).hasSize(2);
    assertThat(loads).allSatisfy(l ->
        assertThat(l.getAttributes().get(AttributeKey.stringKey("cairn.load.source"))).isNotNull());
    assertThat(named(spans, "decide account")).hasSize(2);

    // The event's traceparent names the command span: the relay's producer span becomes its child.
    RecordedEvent deposited = traced.readStream("acc-raced", 2, 10).get(0);
    assertThat(deposited.metadata().traceparent())
        .isEqualTo(Traces.traceparent(command.getSpanContext()))
        .startsWith("00-" + command.getTraceId() + "-" + command.getSpanId() + "-");
    // The decider runs inside the command's trace (its decide span is current).
    assertThat(decider.traceIdsSeen).last().isEqualTo(command.getTraceId());
    assertThat(Span.current().getSpanContext().isValid()).isFalse();
    // Log lines written while handling carry the trace id; the MDC is restored afterwards.
    // (the first entry is the Open command's own trace; then both attempts of the deposit)
    assertThat(decider.traceIdsLogged.subList(1, 3)).containsOnly(command.getTraceId());
    assertThat(MDC.get(Traces.MDC_TRACE_ID)).isNull();
    assertThat(MDC.get(Traces.MDC_SPAN_ID)).isNull();
  }

  @Test
  void commandWithoutACurrentSpan_continuesTheTraceparentOfItsMetadata() {
    var accounts = traced.repository("account", new AccountDecider()).serializer(Accounts.serializer()).build();
    otel.clearSpans();

    accounts.handle(
        "acc-remote", new Open("bob"),
        CommandOptions.defaults().withMetadata(EventMetadata.EMPTY.withTraceparent(CALLER_TRACEPARENT)));

    SpanData command = only(otel.getSpans(), "handle account");
    assertThat(command.getTraceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(command.getParentSpanId()).isEqualTo("b7ad6b7169203331");
    assertThat(command.getParentSpanContext().isRemote()).isTrue();
  }

  @Test
  void withoutAnSdk_nothingIsRecorded_andTheCallersTraceparentIsKept() {
    RacedDecider decider = new RacedDecider(false);
    var accounts = untraced.repository("account", decider).serializer(Accounts.serializer()).build();
    otel.clearSpans();
    CommandOptions options =
        CommandOptions.defaults().withMetadata(EventMetadata.EMPTY.withTraceparent(CALLER_TRACEPARENT));

    accounts.handle("acc-plain", new Open("cy"), options);
    accounts.handle("acc-plain", new Deposit(7), options);

    assertThat(otel.getSpans()).isEmpty();
    // The API alone only propagates: the caller's context is current, nothing new is made.
    assertThat(decider.traceIdsSeen).containsOnly("0af7651916cd43dd8448eb211c80319c");
    assertThat(untraced.readStream("acc-plain", 0, 10))
        .extracting(e -> e.metadata().traceparent())
        .containsOnly(CALLER_TRACEPARENT);
    assertThat(accounts.load("acc-plain").state().balance()).isEqualTo(7);
  }

  private static SpanData only(List<SpanData> spans, String name) {
    List<SpanData> matching = named(spans, name);
    assertThat(matching).as("spans named %s among %s", name, spans).hasSize(1);
    return matching.get(0);
  }

  private static List<SpanData> named(List<SpanData> spans, String name) {
    return spans.stream()
        .filter(s -> s.getName().equals(name))
        .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos))
        .toList();
  }
}
