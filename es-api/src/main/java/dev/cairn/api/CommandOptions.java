package dev.cairn.api;

import static java.util.Objects.requireNonNull;

import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * How to run one command: its id, its optional idempotency key, and the metadata its events
 * carry. The events' correlation id is the command's (or the command id if it has none); their
 * causation id is the command id.
 *
 * @param commandId the command's unique id
 * @param idempotencyKey a key that makes re-sending the command safe, or null
 * @param metadata metadata for the events (correlation id, tenant, user, traceparent, extra)
 */
public record CommandOptions(UUID commandId, @Nullable String idempotencyKey, EventMetadata metadata) {

  /** The longest idempotency key accepted. */
  public static final int MAX_KEY_LENGTH = 200;

  /**
   * Checks the options.
   *
   * @throws NullPointerException if the command id is null
   * @throws IllegalArgumentException if the key is blank or longer than {@value #MAX_KEY_LENGTH}
   */
  public CommandOptions {
    requireNonNull(commandId, "commandId");
    if (idempotencyKey != null
        && (idempotencyKey.isBlank() || idempotencyKey.length() > MAX_KEY_LENGTH)) {
      throw new IllegalArgumentException(
          "idempotency key must be 1 to " + MAX_KEY_LENGTH + " non-blank characters but was '"
              + idempotencyKey + "'");
    }
    metadata = metadata == null ? EventMetadata.EMPTY : metadata;
  }

  /**
   * Returns options with a fresh command id, no key and no metadata.
   *
   * @return the options
   */
  public static CommandOptions defaults() {
    return new CommandOptions(UUID.randomUUID(), null, EventMetadata.EMPTY);
  }

  /**
   * Returns options with a fresh command id and an idempotency key.
   *
   * @param key the idempotency key
   * @return the options
   * @throws IllegalArgumentException if the key is blank or too long
   */
  public static CommandOptions idempotencyKey(String key) {
    return new CommandOptions(UUID.randomUUID(), requireNonNull(key, "key"), EventMetadata.EMPTY);
  }

  /**
   * Returns a copy with an idempotency key.
   *
   * @param key the key, or null for none
   * @return the copy
   */
  public CommandOptions withIdempotencyKey(@Nullable String key) {
    return new CommandOptions(commandId, key, metadata);
  }

  /**
   * Returns a copy with other metadata.
   *
   * @param value the metadata
   * @return the copy
   */
  public CommandOptions withMetadata(EventMetadata value) {
    return new CommandOptions(commandId, idempotencyKey, value);
  }

  /**
   * Returns a copy with another command id.
   *
   * @param value the command id
   * @return the copy
   */
  public CommandOptions withCommandId(UUID value) {
    return new CommandOptions(value, idempotencyKey, metadata);
  }

  /**
   * Returns the metadata that the command's events carry.
   *
   * @return the metadata with correlation and causation ids filled in
   */
  public EventMetadata eventMetadata() {
    String id = commandId.toString();
    EventMetadata m = metadata.withCausationId(id);
    return m.correlationId() == null ? m.withCorrelationId(id) : m;
  }
}
