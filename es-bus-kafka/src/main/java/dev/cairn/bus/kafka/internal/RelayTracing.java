package dev.cairn.bus.kafka.internal;

import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import dev.cairn.store.jdbc.spi.Traces;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The relay's spans, after OpenTelemetry's messaging conventions for batch publishing: a {@code
 * send} span (kind PRODUCER) per Kafka transaction, in a trace of its own since one batch serves
 * many traces, linked to a {@code create} span per record; each {@code create} span is a child of
 * the context the event carries (the command that appended it) and its own context replaces the
 * record's {@code traceparent} header, so that consumers continue the command's trace.
 *
 * <p>Without an SDK the batch span is the API's invalid no-op span and nothing is done per record:
 * the header keeps the event's own {@code traceparent}.
 */
final class RelayTracing {

  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
  static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
  static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<Long> BATCH_COUNT = AttributeKey.longKey("messaging.batch.message_count");
  static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
  static final AttributeKey<String> KEY = AttributeKey.stringKey("messaging.kafka.message.key");
  static final AttributeKey<String> CLIENT_ID = AttributeKey.stringKey("messaging.client.id");
  static final AttributeKey<String> STREAM_TYPE = AttributeKey.stringKey("cairn.stream.type");
  static final AttributeKey<Long> STREAM_VERSION = AttributeKey.longKey("cairn.stream.version");
  static final AttributeKey<String> POSITION = AttributeKey.stringKey("cairn.global_position");

  private final Tracer tracer;
  private final String transactionalId;

  RelayTracing(OpenTelemetry openTelemetry, String transactionalId) {
    this.tracer = Traces.tracer(openTelemetry, "dev.cairn.bus.kafka");
    this.transactionalId = transactionalId;
  }

  /**
   * Starts a batch's send span and makes it current, with its ids in the MDC, until closed.
   *
   * @param size the batch's events
   * @param topics the topics it writes
   * @param last the position of its last event
   */
  Batch batch(int size, Collection<String> topics, String last) {
    String destination = topics.size() == 1 ? topics.iterator().next() : null;
    Span span =
        tracer.spanBuilder(destination == null ? "send" : "send " + destination)
            .setNoParent()
            .setSpanKind(SpanKind.PRODUCER)
            .setAttribute(SYSTEM, "kafka")
            .setAttribute(OPERATION_TYPE, "send")
            .setAttribute(OPERATION_NAME, "send")
            .setAttribute(BATCH_COUNT, (long) size)
            .setAttribute(CLIENT_ID, transactionalId)
            .setAttribute(POSITION, last)
            .startSpan();
    if (destination != null) {
      span.setAttribute(DESTINATION, destination);
    }
    return new Batch(span);
  }

  /** One batch's span; closed once, on the relay's thread. */
  final class Batch implements AutoCloseable {
    private final Span span;
    private final boolean traced;
    private final Scope scope;
    private final Traces.AutoCloseableScope mdc;

    // The scope is closed by close(): a Batch is used in try-with-resources.
    @SuppressWarnings("MustBeClosedChecker")
    private Batch(Span span) {
      this.span = span;
      // Without an SDK a root span is invalid: skip the per-record work entirely.
      this.traced = span.getSpanContext().isValid();
      this.scope = span.makeCurrent();
      this.mdc = Traces.mdc(span);
    }

    /**
     * Makes a record's create span, a child of the event's context, puts the span's context into
     * the record's {@code traceparent} header and links the batch to it. An event without a
     * context gets no create span; the batch is linked to nothing for it.
     *
     * @param record the record about to be sent
     * @param e its event
     */
    void record(ProducerRecord<String, byte[]> record, RecordedEvent e) {
      if (!traced || e.metadata() == null) {
        return;
      }
      Context parent = Traces.parentOf(e.metadata().traceparent());
      if (parent == null) {
        return;
      }
      Span create =
          tracer.spanBuilder("create " + record.topic())
              .setParent(parent)
              .setSpanKind(SpanKind.PRODUCER)
              .setAttribute(SYSTEM, "kafka")
              .setAttribute(OPERATION_TYPE, "create")
              .setAttribute(OPERATION_NAME, "create")
              .setAttribute(DESTINATION, record.topic())
              .setAttribute(MESSAGE_ID, e.eventId().toString())
              .setAttribute(KEY, e.streamId())
              .setAttribute(STREAM_TYPE, e.streamType())
              .setAttribute(STREAM_VERSION, e.version())
              .setAttribute(POSITION, e.position().toString())
              .startSpan();
      SpanContext context = create.getSpanContext();
      String traceparent = Traces.traceparent(context);
      if (traceparent != null) {
        record.headers().remove(CairnRecords.TRACEPARENT);
        record.headers().add(CairnRecords.TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
        span.addLink(context);
      }
      create.end();
    }

    /**
     * Marks the batch failed.
     *
     * @param error the failure
     */
    void failed(Throwable error) {
      Traces.failed(span, error);
    }

    @Override
    public void close() {
      mdc.close();
      scope.close();
      span.end();
    }
  }
}
