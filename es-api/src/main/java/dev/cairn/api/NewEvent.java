package dev.cairn.api;

import static java.util.Objects.requireNonNull;

import java.util.UUID;

/**
 * A serialized event on its way into the store.
 *
 * @param eventId the event's unique id
 * @param eventType its logical type name
 * @param schemaRevision the revision of the type's shape
 * @param payload the event as JSON
 * @param metadata its metadata
 */
public record NewEvent(
    UUID eventId, String eventType, int schemaRevision, String payload, EventMetadata metadata) {

  /**
   * Checks the fields.
   *
   * @throws NullPointerException if a field other than metadata is null
   * @throws IllegalArgumentException if the revision is below 1
   */
  public NewEvent {
    requireNonNull(eventId, "eventId");
    requireNonNull(eventType, "eventType");
    requireNonNull(payload, "payload");
    if (schemaRevision < 1) {
      throw new IllegalArgumentException(
          "schema revision of " + eventType + " must be >= 1 but was " + schemaRevision);
    }
    metadata = metadata == null ? EventMetadata.EMPTY : metadata;
  }
}
