package dev.cairn.projections;

import dev.cairn.api.RecordedEvent;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * An event in the dead-letter table: parked after it failed, or held behind a parked event of the
 * same stream; or a Kafka record that was not in Cairn's format, parked with its raw bytes (then
 * {@code event} is null and {@code raw} holds the record).
 *
 * @param id the dead letter's id
 * @param projection the projection's name and version
 * @param status {@code PARKED}, {@code HELD}, {@code APPLIED} or {@code SKIPPED}
 * @param event the event, whole; null for a record not in Cairn's format
 * @param topic the Kafka topic it came from, or null if from the store
 * @param partition the Kafka partition, or -1
 * @param offset the Kafka offset, or -1
 * @param error the failure's message (null when held)
 * @param stack the failure's stack trace (null when held)
 * @param attempts how many times it was tried
 * @param parkedAt when it was parked
 * @param raw the record as read if it was not in Cairn's format, else null
 */
public record ParkedEvent(
    long id,
    String projection,
    String status,
    @Nullable RecordedEvent event,
    @Nullable String topic,
    int partition,
    long offset,
    @Nullable String error,
    @Nullable String stack,
    int attempts,
    Instant parkedAt,
    @Nullable RawRecord raw) {}
