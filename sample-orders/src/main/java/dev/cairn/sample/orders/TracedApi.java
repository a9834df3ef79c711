package dev.cairn.sample.orders;

import dev.cairn.admin.http.ApiHandler;
import dev.cairn.admin.http.ApiRequest;
import dev.cairn.admin.http.ApiResponse;
import dev.cairn.store.jdbc.spi.Traces;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * Wraps an {@link ApiHandler} in a server span per request, after OpenTelemetry's HTTP
 * conventions: the span continues the trace of an incoming W3C {@code traceparent} header (through
 * the OpenTelemetry's propagators), is current while the handler runs, so the command's span
 * becomes its child, and carries the method, path and status. A decorator, so it mounts on any
 * server the handler mounts on, with no change to the server.
 */
final class TracedApi implements ApiHandler {

  private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  private static final AttributeKey<String> SCHEME = AttributeKey.stringKey("url.scheme");
  private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private static final TextMapGetter<ApiRequest> HEADERS =
      (request, name) -> request == null ? null : request.header(name).orElse(null);

  private final ApiHandler handler;
  private final OpenTelemetry openTelemetry;
  private final Tracer tracer;

  TracedApi(ApiHandler handler, OpenTelemetry openTelemetry) {
    this.handler = handler;
    this.openTelemetry = openTelemetry;
    this.tracer = Traces.tracer(openTelemetry, "dev.cairn.sample.orders");
  }

  @Override
  @SuppressWarnings("try") // the resources are scopes: they act by being open, not by being read
  public ApiResponse handle(ApiRequest request) {
    Context parent =
        openTelemetry.getPropagators().getTextMapPropagator().extract(Context.root(), request, HEADERS);
    Span span =
        tracer.spanBuilder(request.method())
            .setParent(parent)
            .setSpanKind(SpanKind.SERVER)
            .setAttribute(METHOD, request.method())
            .setAttribute(PATH, request.rawPath())
            .setAttribute(SCHEME, "http")
            .startSpan();
    try (Scope scope = span.makeCurrent(); Traces.AutoCloseableScope mdc = Traces.mdc(span)) {
      ApiResponse response = handler.handle(request);
      span.setAttribute(STATUS, (long) response.status());
      if (response.status() >= 500) {
        span.setStatus(StatusCode.ERROR);
        span.setAttribute(ERROR_TYPE, Integer.toString(response.status()));
      }
      return response;
    } catch (RuntimeException | Error e) {
      Traces.failed(span, e);
      throw e;
    } finally {
      span.end();
    }
  }
}
