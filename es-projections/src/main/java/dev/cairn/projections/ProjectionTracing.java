package dev.cairn.projections;

import dev.cairn.api.RecordedEvent;
import dev.cairn.store.jdbc.spi.Traces;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A runner's spans, after OpenTelemetry's messaging conventions: a {@code process} span (kind
 * CONSUMER) per event applied, a child of the context the event carries (for a Kafka record, the
 * relay's create span; for the store's global order, the command that appended it), current while
 * the projection runs, with its ids in the MDC. Each attempt is a span of its own with {@code
 * cairn.attempt}; a failed attempt has status ERROR and a {@code cairn.retry} event when it is to
 * be retried, a {@code cairn.dead_letter.parked} event carrying the error when it is parked, or a
 * {@code cairn.skipped} event. A batch that failed as a whole is applied again event by event, so
 * the events before the failing one show two spans. For a {@link BatchProjection} the spans of a
 * batch's events are all open around its one {@code applyBatch} call.
 *
 * <p>Without an SDK (the API's no-op OpenTelemetry) nothing is made at all.
 */
final class ProjectionTracing {

  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
  static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> PARTITION = AttributeKey.stringKey("messaging.destination.partition.id");
  static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");
  static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
  static final AttributeKey<String> KEY = AttributeKey.stringKey("messaging.kafka.message.key");
  static final AttributeKey<String> PROJECTION = AttributeKey.stringKey("cairn.projection");
  static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("cairn.event.type");
  static final AttributeKey<Long> STREAM_VERSION = AttributeKey.longKey("cairn.stream.version");
  static final AttributeKey<String> POSITION = AttributeKey.stringKey("cairn.global_position");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("cairn.attempt");
  static final AttributeKey<Long> BACKOFF_MS = AttributeKey.longKey("cairn.retry.backoff_ms");
  static final AttributeKey<String> REASON = AttributeKey.stringKey("cairn.reason");
  static final AttributeKey<String> EXCEPTION_TYPE = AttributeKey.stringKey("exception.type");
  static final AttributeKey<String> EXCEPTION_MESSAGE = AttributeKey.stringKey("exception.message");

  private static final Apply NONE = new Apply(Span.getInvalid(), false);

  private final Tracer tracer;
  private final String projection;
  private final boolean enabled;

  ProjectionTracing(OpenTelemetry openTelemetry, ProjectionSpec spec) {
    this.tracer = Traces.tracer(openTelemetry, "dev.cairn.projections");
    this.projection = spec.toString();
    // With the API's no-op tracer there is nothing to do per event (not even reading the traceparent).
    this.enabled = openTelemetry.getTracerProvider() != TracerProvider.noop();
  }

  /** Tells whether spans are made at all (false without an SDK). */
  boolean enabled() {
    return enabled;
  }

  /**
   * Starts the span of one attempt to apply an event and makes it current until it ends.
   *
   * @param item the event and where it came from
   * @param attempt the attempt, from 1
   * @return the attempt's span
   */
  Apply start(BatchApplier.Item item, int attempt) {
    if (!enabled) {
      return NONE;
    }
    RecordedEvent e = item.event();
    Context parent = e.metadata() == null ? null : Traces.parentOf(e.metadata().traceparent());
    SpanBuilder builder =
        tracer.spanBuilder(item.topic() == null ? "process store" : "process " + item.topic())
            .setSpanKind(SpanKind.CONSUMER)
            .setAttribute(OPERATION_TYPE, "process")
            .setAttribute(PROJECTION, projection)
            .setAttribute(MESSAGE_ID, e.eventId().toString())
            .setAttribute(KEY, e.streamId())
            .setAttribute(EVENT_TYPE, e.eventType())
            .setAttribute(STREAM_VERSION, e.version())
            .setAttribute(POSITION, e.position().toString())
            .setAttribute(ATTEMPT, (long) attempt);
    if (item.topic() != null) {
      builder.setAttribute(SYSTEM, "kafka")
          .setAttribute(DESTINATION, item.topic())
          .setAttribute(PARTITION, Integer.toString(item.partition()))
          .setAttribute(OFFSET, item.offset());
    }
    if (parent != null) {
      builder.setParent(parent);
    } else {
      builder.setNoParent();
    }
    return new Apply(builder.startSpan(), true);
  }

  /** One attempt's span; ended once, on the runner's thread. */
  static final class Apply implements AutoCloseable {
    private final Span span;
    private final boolean active;
    /** The scope and MDC entries, both set when active. */
    private final @Nullable Scope scope;
    private final Traces.@Nullable AutoCloseableScope mdc;

    // The scope is closed by close(): an Apply is used in try-with-resources.
    @SuppressWarnings("MustBeClosedChecker")
    private Apply(Span span, boolean active) {
      this.span = span;
      this.active = active;
      this.scope = active ? span.makeCurrent() : null;
      this.mdc = active ? Traces.mdc(span) : null;
    }

    /** Marks the attempt failed. */
    void failed(Throwable error) {
      Traces.failed(span, error);
    }

    /** Records that the event is tried again after a backoff. */
    void retry(int attempt, Duration backoff) {
      span.addEvent("cairn.retry", Attributes.of(ATTEMPT, (long) attempt, BACKOFF_MS, backoff.toMillis()));
    }

    /** Records that the event was parked as a dead letter, with the error (null if it waits behind another). */
    void parked(@Nullable Throwable error, int attempts, String reason) {
      if (!active) {
        return;
      }
      var attributes = Attributes.builder().put(ATTEMPT, (long) attempts).put(REASON, reason);
      if (error != null) {
        attributes.put(EXCEPTION_TYPE, error.getClass().getName())
            .put(EXCEPTION_MESSAGE, String.valueOf(error.getMessage()));
      }
      span.addEvent("cairn.dead_letter.parked", attributes.build());
    }

    /** Records that the failed event was skipped. */
    void skipped(Throwable error) {
      span.addEvent("cairn.skipped", Attributes.of(EXCEPTION_TYPE, error.getClass().getName()));
    }

    @Override
    public void close() {
      if (active && mdc != null && scope != null) {
        mdc.close();
        scope.close();
        span.end();
      }
    }
  }
}
