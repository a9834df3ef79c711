package dev.cairn.api;

import java.time.Instant;
import java.util.UUID;

/**
 * A stored event read into its record (after upcasting), with its coordinates and metadata.
 *
 * @param eventId the event's unique id
 * @param streamId the stream (aggregate) it belongs to
 * @param streamType the stream's type
 * @param version its version within the stream, from 1
 * @param position where it sits in the global order
 * @param recordedAt when it was written
 * @param eventType its logical type name
 * @param schemaRevision the revision it was written with (before upcasting)
 * @param metadata its metadata
 * @param event the event
 * @param <E> the event family
 */
public record EventEnvelope<E>(
    UUID eventId,
    String streamId,
    String streamType,
    long version,
    GlobalPosition position,
    Instant recordedAt,
    String eventType,
    int schemaRevision,
    EventMetadata metadata,
    E event) {

  /**
   * Wraps an event read from a stored one.
   *
   * @param recorded the stored event
   * @param event the record read from its payload
   * @param <E> the event family
   * @return the envelope
   */
  public static <E> EventEnvelope<E> of(RecordedEvent recorded, E event) {
    return new EventEnvelope<>(
        recorded.eventId(),
        recorded.streamId(),
        recorded.streamType(),
        recorded.version(),
        recorded.position(),
        recorded.recordedAt(),
        recorded.eventType(),
        recorded.schemaRevision(),
        recorded.metadata(),
        event);
  }
}
