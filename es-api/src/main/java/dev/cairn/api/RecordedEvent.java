package dev.cairn.api;

import java.time.Instant;
import java.util.UUID;

/**
 * An event as the store holds it: its coordinates and its JSON payload, not yet read into a
 * record. This is what the relay publishes.
 *
 * @param eventId the event's unique id
 * @param streamId the stream (aggregate) it belongs to
 * @param streamType the stream's type
 * @param version its version within the stream, from 1
 * @param position where it sits in the global order
 * @param recordedAt when it was written
 * @param eventType its logical type name
 * @param schemaRevision the revision it was written with
 * @param payload the event as stored JSON
 * @param metadata its metadata
 */
public record RecordedEvent(
    UUID eventId,
    String streamId,
    String streamType,
    long version,
    GlobalPosition position,
    Instant recordedAt,
    String eventType,
    int schemaRevision,
    String payload,
    EventMetadata metadata) {}
