package dev.cairn.store.jdbc.spi;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * What Cairn's modules share for tracing with the OpenTelemetry API: the W3C {@code traceparent}
 * that events and records carry, turned into a parent context and back; the trace and span ids in
 * SLF4J's MDC while a span is current; and how an error is recorded on a span. Without an
 * OpenTelemetry SDK every span is a no-op whose context is invalid, and these helpers then do
 * nothing (no MDC entry, no header rewritten).
 */
public final class Traces {

  /** The MDC key of the current trace id (the name OpenTelemetry's own MDC instrumentation uses). */
  public static final String MDC_TRACE_ID = "trace_id";
  /** The MDC key of the current span id. */
  public static final String MDC_SPAN_ID = "span_id";
  /** The span attribute naming the class of an error ({@code error.type} in the conventions). */
  public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private static final String VERSION = "0.1.0";

  /** Reads a carrier that is the {@code traceparent} value itself. */
  private static final TextMapGetter<String> TRACEPARENT_GETTER =
      (carrier, key) -> "traceparent".equals(key) ? carrier : null;

  private static final AutoCloseableScope NOTHING = () -> {};

  private Traces() {}

  /** A scope that ends without throwing. */
  @FunctionalInterface
  public interface AutoCloseableScope extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Returns the tracer of one Cairn module.
   *
   * @param openTelemetry the application's OpenTelemetry (the no-op one when it installs no SDK)
   * @param module the instrumentation scope, e.g. {@code dev.cairn.store.jdbc}
   * @return the tracer
   */
  public static Tracer tracer(OpenTelemetry openTelemetry, String module) {
    return openTelemetry.tracerBuilder(module).setInstrumentationVersion(VERSION).build();
  }

  /**
   * Turns a {@code traceparent} value into a context whose parent span is the one it names.
   *
   * @param traceparent the W3C header's value, or null
   * @return that context, or null if the value is null or not a valid trace context
   */
  public static @Nullable Context parentOf(@Nullable String traceparent) {
    if (traceparent == null) {
      return null;
    }
    Context extracted =
        W3CTraceContextPropagator.getInstance().extract(Context.root(), traceparent, TRACEPARENT_GETTER);
    return Span.fromContext(extracted).getSpanContext().isValid() ? extracted : null;
  }

  /**
   * Returns the span context a {@code traceparent} value names.
   *
   * @param traceparent the W3C header's value, or null
   * @return the span context, invalid if the value is null or malformed
   */
  public static SpanContext spanContextOf(@Nullable String traceparent) {
    Context parent = parentOf(traceparent);
    return parent == null ? SpanContext.getInvalid() : Span.fromContext(parent).getSpanContext();
  }

  /**
   * Writes a span context as a W3C {@code traceparent} value.
   *
   * @param context the span context
   * @return {@code 00-<trace id>-<span id>-<flags>}, or null if the context is invalid (no SDK)
   */
  public static @Nullable String traceparent(SpanContext context) {
    if (!context.isValid()) {
      return null;
    }
    return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
  }

  /**
   * Puts a span's trace and span ids into SLF4J's MDC until the returned scope closes, which puts
   * back what was there before. Does nothing for an invalid span context (no SDK).
   *
   * @param span the span
   * @return the scope to close
   */
  public static AutoCloseableScope mdc(Span span) {
    SpanContext context = span.getSpanContext();
    if (!context.isValid()) {
      return NOTHING;
    }
    String traceBefore = MDC.get(MDC_TRACE_ID);
    String spanBefore = MDC.get(MDC_SPAN_ID);
    MDC.put(MDC_TRACE_ID, context.getTraceId());
    MDC.put(MDC_SPAN_ID, context.getSpanId());
    return () -> {
      restore(MDC_TRACE_ID, traceBefore);
      restore(MDC_SPAN_ID, spanBefore);
    };
  }

  /**
   * Marks a span as failed by an error: status ERROR, the exception as a span event, and {@code
   * error.type}.
   *
   * @param span the span
   * @param error the error
   */
  public static void failed(Span span, Throwable error) {
    if (!span.isRecording()) {
      return;
    }
    span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
    span.setAttribute(ERROR_TYPE, error.getClass().getName());
    span.recordException(error);
  }

  private static void restore(String key, @Nullable String value) {
    if (value == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, value);
    }
  }
}
