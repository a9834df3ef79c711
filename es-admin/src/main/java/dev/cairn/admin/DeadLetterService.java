package dev.cairn.admin;

import com.fasterxml.jackson.annotation.JsonRawValue;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.RecordedEvent;
import dev.cairn.projections.DeadLetters;
import dev.cairn.projections.ParkedEvent;
import dev.cairn.projections.ProjectionManager;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** The dead letters of every projection: find them, read one in full. */
public final class DeadLetterService {

  private static final Set<String> STATUSES = Set.of("PARKED", "HELD", "APPLIED", "SKIPPED");

  private final DeadLetters deadLetters;

  DeadLetterService(ProjectionManager manager) {
    this.deadLetters = manager.deadLetters();
  }

  /**
   * A dead letter in a list.
   *
   * @param id its id
   * @param projection the projection's name
   * @param version the projection's version
   * @param status {@code PARKED}, {@code HELD}, {@code APPLIED} or {@code SKIPPED}
   * @param streamId the event's stream, or null for a record not in Cairn's format
   * @param streamType the stream's type, or null
   * @param streamVersion the event's version in its stream, or null
   * @param eventType the event's logical type, or null
   * @param position the event's global position {@code tx/pos}, or null
   * @param error the failure, or null when held
   * @param attempts how many times it was tried
   * @param parkedAt when it was parked
   * @param topic the Kafka topic it came from, or null
   * @param partition the Kafka partition, or null
   * @param offset the Kafka offset, or null
   */
  public record Summary(
      long id,
      String projection,
      int version,
      String status,
      @Nullable String streamId,
      @Nullable String streamType,
      @Nullable Long streamVersion,
      @Nullable String eventType,
      @Nullable String position,
      @Nullable String error,
      int attempts,
      Instant parkedAt,
      @Nullable String topic,
      @Nullable Integer partition,
      @Nullable Long offset) {}

  /**
   * A dead letter in full.
   *
   * @param summary what the list shows
   * @param eventId the event's id, or null
   * @param recordedAt when the event was appended, or null
   * @param schemaRevision the payload's schema revision, or null
   * @param payload the event's JSON as stored, or null
   * @param metadata the event's metadata, or null
   * @param stack the failure's stack trace, or null
   * @param raw the Kafka record as read, if it was not in Cairn's format; else null
   */
  public record Detail(
      @com.fasterxml.jackson.annotation.JsonUnwrapped Summary summary,
      @Nullable String eventId,
      @Nullable Instant recordedAt,
      @Nullable Integer schemaRevision,
      @JsonRawValue @Nullable String payload,
      @Nullable EventMetadata metadata,
      @Nullable String stack,
      @Nullable Raw raw) {}

  /**
   * A Kafka record that was not in Cairn's format.
   *
   * @param key its key, or null
   * @param headers its headers: key and base64 value
   * @param valueBase64 its value in base64, or null
   */
  public record Raw(@Nullable String key, List<Map<String, String>> headers, @Nullable String valueBase64) {}

  /**
   * Finds dead letters, newest first.
   *
   * @param projection only this projection's, or null
   * @param stream only this stream's, or null
   * @param error only those whose error contains this (any case), or null
   * @param status {@code PARKED}, {@code HELD}, {@code APPLIED}, {@code SKIPPED}, {@code open}
   *     (parked and held) or {@code all}; null means {@code open}
   * @param limit 1 to 500
   * @param offset 0 or more
   * @return the page
   * @throws IllegalArgumentException if the status or the paging is not allowed
   */
  public Page<Summary> list(
      @Nullable String projection,
      @Nullable String stream,
      @Nullable String error,
      @Nullable String status,
      int limit,
      int offset) {
    Page.check(limit, offset);
    List<String> statuses = statuses(status);
    List<Summary> items =
        deadLetters.search(projection, stream, error, statuses, limit, offset).stream().map(DeadLetterService::summary).toList();
    return new Page<>(items, deadLetters.countMatching(projection, stream, error, statuses), limit, offset);
  }

  private static List<String> statuses(@Nullable String status) {
    if (status == null || status.equalsIgnoreCase("open")) {
      return List.of("PARKED", "HELD");
    }
    if (status.equalsIgnoreCase("all")) {
      return List.of();
    }
    String upper = status.toUpperCase(Locale.ROOT);
    if (!STATUSES.contains(upper)) {
      throw new IllegalArgumentException("status must be one of open, all, parked, held, applied, skipped; was " + status);
    }
    return List.of(upper);
  }

  /**
   * Returns one dead letter in full.
   *
   * @param id its id
   * @return the dead letter
   * @throws NoSuchElementException if there is none with that id
   */
  public Detail get(long id) {
    ParkedEvent p = deadLetters.find(id).orElseThrow(() -> new NoSuchElementException("no dead letter " + id));
    RecordedEvent e = p.event();
    Raw raw = null;
    if (p.raw() != null) {
      Base64.Encoder b64 = Base64.getEncoder();
      raw =
          new Raw(
              p.raw().key(),
              p.raw().headers().stream()
                  .map(h -> Map.of("key", h.key(), "value", h.value() == null ? "" : b64.encodeToString(h.value())))
                  .toList(),
              p.raw().value() == null ? null : b64.encodeToString(p.raw().value()));
    }
    return new Detail(
        summary(p),
        e == null ? null : e.eventId().toString(),
        e == null ? null : e.recordedAt(),
        e == null ? null : e.schemaRevision(),
        e == null ? null : e.payload(),
        e == null ? null : e.metadata(),
        p.stack(),
        raw);
  }

  /**
   * Returns the projection name and version of a dead letter.
   *
   * @param id its id
   * @return the summary
   * @throws NoSuchElementException if there is none with that id
   */
  public Summary summary(long id) {
    return summary(deadLetters.find(id).orElseThrow(() -> new NoSuchElementException("no dead letter " + id)));
  }

  static Summary summary(ParkedEvent p) {
    String label = p.projection();
    int split = label.lastIndexOf(" v");
    RecordedEvent e = p.event();
    boolean kafka = p.topic() != null;
    return new Summary(
        p.id(),
        label.substring(0, split),
        Integer.parseInt(label.substring(split + 2)),
        p.status(),
        e == null ? null : e.streamId(),
        e == null ? null : e.streamType(),
        e == null ? null : e.version(),
        e == null ? null : e.eventType(),
        e == null ? null : e.position().toString(),
        p.error(),
        p.attempts(),
        p.parkedAt(),
        p.topic(),
        kafka ? p.partition() : null,
        kafka ? p.offset() : null);
  }
}
