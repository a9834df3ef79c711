package dev.cairn.api;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.spi.Checks;
import java.util.List;

/**
 * Events to append to one stream, all or none, if the stream is at the expected version.
 *
 * @param streamId the stream
 * @param streamType the stream's type (fixed when the stream is created)
 * @param expectedVersion the version the stream must be at; 0 means it must not exist yet
 * @param events the events, at least one
 */
public record AppendRequest(
    String streamId, String streamType, long expectedVersion, List<NewEvent> events) {

  /**
   * Checks the request before anything touches the database.
   *
   * @throws IllegalArgumentException if the stream id or type is invalid, the version negative or
   *     the list empty
   * @throws NullPointerException if the list or one of its events is null
   */
  public AppendRequest {
    Checks.streamId(streamId);
    Checks.streamType(streamType);
    Checks.version("expected version of stream " + streamId, expectedVersion);
    requireNonNull(events, "events");
    if (events.isEmpty()) {
      throw new IllegalArgumentException("stream " + streamId + ": an append needs at least one event");
    }
    events = List.copyOf(events);
  }
}
