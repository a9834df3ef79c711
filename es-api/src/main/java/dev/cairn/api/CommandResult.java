package dev.cairn.api;

import java.util.List;

/**
 * What a command did.
 *
 * @param streamId the stream
 * @param version the stream's version after the command
 * @param events the events it appended (empty if it decided none)
 * @param duplicate true if the idempotency key had been seen and this is the first result again
 * @param <E> the event family
 */
public record CommandResult<E>(
    String streamId, long version, List<EventEnvelope<E>> events, boolean duplicate) {

  /** Copies the list. */
  public CommandResult {
    events = List.copyOf(events);
  }
}
