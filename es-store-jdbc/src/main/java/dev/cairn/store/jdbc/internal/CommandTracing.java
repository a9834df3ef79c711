package dev.cairn.store.jdbc.internal;

import dev.cairn.api.ConcurrencyConflictException;
import dev.cairn.api.EventMetadata;
import dev.cairn.store.jdbc.spi.Traces;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The spans of command handling, after OpenTelemetry's conventions for database calls: one
 * {@code handle <stream type>} span per command, and inside it per attempt a {@code load}, a
 * {@code decide} and an {@code append} span (a client call to PostgreSQL). A conflict fails the
 * attempt's append span and adds a {@code cairn.conflict} event to the command span; the next
 * attempt's spans follow, so a retried command shows every attempt. The command span is the
 * parent of whatever the command caused: its context goes into the events' {@code traceparent}.
 *
 * <p>The command span's parent is the current context, or, if no span is current, the {@code
 * traceparent} the caller put into the events' metadata. Without an SDK all of this is the API's
 * no-op spans: nothing is recorded and the metadata is left as it was.
 */
public final class CommandTracing {

  /** The stream's id. */
  public static final AttributeKey<String> STREAM_ID = AttributeKey.stringKey("cairn.stream.id");
  /** The stream's type. */
  public static final AttributeKey<String> STREAM_TYPE = AttributeKey.stringKey("cairn.stream.type");
  /** The stream's version after the command (or, on a span of one attempt, the version loaded). */
  public static final AttributeKey<Long> STREAM_VERSION = AttributeKey.longKey("cairn.stream.version");
  /** The version an append expected. */
  public static final AttributeKey<Long> EXPECTED_VERSION = AttributeKey.longKey("cairn.stream.expected_version");
  /** The command's simple class name. */
  public static final AttributeKey<String> COMMAND_TYPE = AttributeKey.stringKey("cairn.command.type");
  /** How many attempts a command took, from 1. */
  public static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("cairn.command.attempts");
  /** The attempt a load, decide or append span belongs to, from 1. */
  public static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("cairn.command.attempt");
  /** How many conflicts a command met. */
  public static final AttributeKey<Long> CONFLICTS = AttributeKey.longKey("cairn.command.conflicts");
  /** Whether the command was answered from an earlier one with the same idempotency key. */
  public static final AttributeKey<Boolean> DUPLICATE = AttributeKey.booleanKey("cairn.command.duplicate");
  /** How many events an append wrote. */
  public static final AttributeKey<Long> EVENT_COUNT = AttributeKey.longKey("cairn.event.count");
  /** Where a load found the state: {@code cache}, {@code snapshot} or {@code events}. */
  public static final AttributeKey<String> LOAD_SOURCE = AttributeKey.stringKey("cairn.load.source");
  /** How many events a load folded. */
  public static final AttributeKey<Long> LOAD_FOLDED = AttributeKey.longKey("cairn.load.events_folded");
  /** The actual version a conflict found. */
  public static final AttributeKey<Long> ACTUAL_VERSION = AttributeKey.longKey("cairn.stream.actual_version");

  /** Whether another attempt followed a conflict. */
  public static final AttributeKey<Boolean> RETRIED = AttributeKey.booleanKey("cairn.command.retried");

  static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system.name");
  static final AttributeKey<String> DB_OPERATION = AttributeKey.stringKey("db.operation.name");
  static final AttributeKey<String> DB_COLLECTION = AttributeKey.stringKey("db.collection.name");

  private final Tracer tracer;
  private final String streamType;
  private final String eventsTable;
  private final String handleName;
  private final String loadName;
  private final String decideName;
  private final String appendName;

  /**
   * Creates the spans' factory for one repository.
   *
   * @param openTelemetry the application's OpenTelemetry
   * @param streamType the repository's stream type
   * @param eventsTable the store's events table, qualified
   */
  public CommandTracing(OpenTelemetry openTelemetry, String streamType, String eventsTable) {
    this.tracer = Traces.tracer(openTelemetry, "dev.cairn.store.jdbc");
    this.streamType = streamType;
    this.eventsTable = eventsTable;
    this.handleName = "handle " + streamType;
    this.loadName = "load " + streamType;
    this.decideName = "decide " + streamType;
    this.appendName = "append " + eventsTable;
  }

  /**
   * Records where a load found the state on the current span (the load span, when tracing).
   *
   * @param source {@code cache}, {@code snapshot} or {@code events}
   * @param folded the events folded onto it
   */
  static void loadedFrom(String source, int folded) {
    Span span = Span.current();
    if (span.isRecording()) {
      span.setAttribute(LOAD_SOURCE, source);
      span.setAttribute(LOAD_FOLDED, folded);
    }
  }

  /**
   * Starts a command's span and makes it current (with its ids in the MDC) until the returned
   * handle closes.
   *
   * @param streamId the stream
   * @param command the command
   * @param metadata the events' metadata, whose {@code traceparent} is the parent if no span is current
   * @return the command's tracing
   */
  public Command start(String streamId, Object command, EventMetadata metadata) {
    Context parent = Context.current();
    if (!Span.fromContext(parent).getSpanContext().isValid() && metadata.traceparent() != null) {
      Context remote = Traces.parentOf(metadata.traceparent());
      if (remote != null) {
        parent = remote;
      }
    }
    Span span =
        tracer.spanBuilder(handleName)
            .setParent(parent)
            .setAttribute(STREAM_ID, streamId)
            .setAttribute(STREAM_TYPE, streamType)
            .setAttribute(COMMAND_TYPE, command.getClass().getSimpleName())
            .startSpan();
    return new Command(span);
  }

  /** One command's span and its attempts; close it once, on the thread that started it. */
  public final class Command implements AutoCloseable {
    private final Span span;
    private final Scope scope;
    private final Traces.AutoCloseableScope mdc;
    private final @Nullable String traceparent;
    private long attempt;
    private long conflicts;

    // The scope is closed by close(): a Command is used in try-with-resources.
    @SuppressWarnings("MustBeClosedChecker")
    private Command(Span span) {
      this.span = span;
      this.scope = span.makeCurrent();
      this.mdc = Traces.mdc(span);
      this.traceparent = Traces.traceparent(span.getSpanContext());
    }

    /**
     * Returns the events' metadata carrying this command's trace context, or as it was without one.
     *
     * @param metadata the caller's metadata
     * @return the metadata to store
     */
    public EventMetadata metadata(EventMetadata metadata) {
      return traceparent == null ? metadata : metadata.withTraceparent(traceparent);
    }

    /**
     * Loads the state of the next attempt inside a load span.
     *
     * @param load the load
     * @param <T> the loaded state
     * @return what the load returned
     */
    public <T> T load(Supplier<T> load) {
      attempt++;
      return inSpan(tracer.spanBuilder(loadName), load);
    }

    /**
     * Runs the decider inside a decide span.
     *
     * @param decide the decision
     * @param <T> the events
     * @return what the decider returned
     */
    public <T> T decide(Supplier<T> decide) {
      return inSpan(tracer.spanBuilder(decideName), decide);
    }

    /**
     * Appends inside an append span, a client call to PostgreSQL.
     *
     * @param expectedVersion the version the append expects
     * @param events how many events it writes
     * @param append the append
     * @param <T> the result
     * @return what the append returned
     */
    public <T> T append(long expectedVersion, int events, Supplier<T> append) {
      SpanBuilder builder =
          tracer.spanBuilder(appendName)
              .setSpanKind(SpanKind.CLIENT)
              .setAttribute(DB_SYSTEM, "postgresql")
              .setAttribute(DB_OPERATION, "append")
              .setAttribute(DB_COLLECTION, eventsTable)
              .setAttribute(EXPECTED_VERSION, expectedVersion)
              .setAttribute(EVENT_COUNT, (long) events);
      return inSpan(builder, append);
    }

    /**
     * Records a conflict that ended an attempt.
     *
     * @param conflict the conflict
     * @param retried whether another attempt follows
     */
    public void conflict(ConcurrencyConflictException conflict, boolean retried) {
      conflicts++;
      if (span.isRecording()) {
        span.addEvent(
            "cairn.conflict",
            Attributes.builder()
                .put(ATTEMPT, attempt)
                .put(EXPECTED_VERSION, conflict.expectedVersion())
                .put(ACTUAL_VERSION, conflict.actualVersion())
                .put(RETRIED, retried)
                .build());
      }
    }

    /**
     * Records the command's outcome.
     *
     * @param version the stream's version after it
     * @param duplicate whether an earlier command with the same key answered it
     */
    public void succeeded(long version, boolean duplicate) {
      span.setAttribute(STREAM_VERSION, version);
      span.setAttribute(DUPLICATE, duplicate);
    }

    /**
     * Records that the command failed.
     *
     * @param error the failure
     */
    public void failed(Throwable error) {
      Traces.failed(span, error);
    }

    /** Ends the command's span and restores the context and MDC that were current before. */
    @Override
    public void close() {
      span.setAttribute(ATTEMPTS, attempt);
      span.setAttribute(CONFLICTS, conflicts);
      mdc.close();
      scope.close();
      span.end();
    }

    @SuppressWarnings("try") // the resources are scopes: they act by being open, not by being read
    private <T> T inSpan(SpanBuilder builder, Supplier<T> work) {
      Span child = builder.setAttribute(ATTEMPT, attempt).startSpan();
      try (Scope current = child.makeCurrent(); Traces.AutoCloseableScope logged = Traces.mdc(child)) {
        return work.get();
      } catch (RuntimeException | Error e) {
        Traces.failed(child, e);
        throw e;
      } finally {
        child.end();
      }
    }
  }
}
