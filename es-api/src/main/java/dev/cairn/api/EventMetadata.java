package dev.cairn.api;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What is known about why and for whom an event was written. Every field may be null; {@code
 * extra} holds free-form string entries.
 *
 * @param correlationId the id shared by everything one request caused
 * @param causationId the id of the command (or event) that caused this event
 * @param tenant the tenant, in a multi-tenant service
 * @param user who asked for it
 * @param traceparent the W3C trace context of the request
 * @param extra further entries, copied and never null
 */
public record EventMetadata(
    @Nullable String correlationId,
    @Nullable String causationId,
    @Nullable String tenant,
    @Nullable String user,
    @Nullable String traceparent,
    Map<String, String> extra) {

  /** No metadata at all. */
  public static final EventMetadata EMPTY = new EventMetadata(null, null, null, null, null, Map.of());

  /** Copies {@code extra} so the record stays immutable. */
  public EventMetadata {
    extra = extra == null ? Map.of() : Map.copyOf(extra);
  }

  /**
   * Returns a copy with another correlation id.
   *
   * @param value the correlation id
   * @return the copy
   */
  public EventMetadata withCorrelationId(@Nullable String value) {
    return new EventMetadata(value, causationId, tenant, user, traceparent, extra);
  }

  /**
   * Returns a copy with another causation id.
   *
   * @param value the causation id
   * @return the copy
   */
  public EventMetadata withCausationId(@Nullable String value) {
    return new EventMetadata(correlationId, value, tenant, user, traceparent, extra);
  }

  /**
   * Returns a copy with another tenant.
   *
   * @param value the tenant
   * @return the copy
   */
  public EventMetadata withTenant(@Nullable String value) {
    return new EventMetadata(correlationId, causationId, value, user, traceparent, extra);
  }

  /**
   * Returns a copy with another user.
   *
   * @param value the user
   * @return the copy
   */
  public EventMetadata withUser(@Nullable String value) {
    return new EventMetadata(correlationId, causationId, tenant, value, traceparent, extra);
  }

  /**
   * Returns a copy with another W3C trace context.
   *
   * @param value the {@code traceparent} header's value
   * @return the copy
   */
  public EventMetadata withTraceparent(@Nullable String value) {
    return new EventMetadata(correlationId, causationId, tenant, user, value, extra);
  }

  /**
   * Returns a copy with one more free-form entry.
   *
   * @param key the entry's key
   * @param value its value
   * @return the copy
   */
  public EventMetadata with(String key, String value) {
    var copy = new java.util.HashMap<>(extra);
    copy.put(key, value);
    return new EventMetadata(correlationId, causationId, tenant, user, traceparent, copy);
  }
}
