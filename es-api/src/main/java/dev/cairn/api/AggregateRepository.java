package dev.cairn.api;

import java.time.Instant;
import java.util.List;

/**
 * Runs commands against the aggregates of one stream type and loads their state.
 *
 * @param <C> the command family
 * @param <S> the state
 * @param <E> the event family
 */
public interface AggregateRepository<C, S, E> {

  /**
   * Runs a command: loads the stream, decides, appends with the loaded version as the expected
   * one, and retries a bounded number of times if another writer won the race.
   *
   * @param streamId the aggregate's stream
   * @param command the command
   * @param options the command id, idempotency key and metadata
   * @return the new version and the appended events; with a key seen before, the first result
   * @throws ConcurrencyConflictException if every attempt lost a race
   * @throws IdempotencyKeyReusedException if the key was used for another stream or command
   * @throws CommandRejectedException (or the decider's own exception) if the command is refused
   */
  CommandResult<E> handle(String streamId, C command, CommandOptions options);

  /**
   * Runs a command with default options (a fresh command id, no idempotency key).
   *
   * @param streamId the aggregate's stream
   * @param command the command
   * @return the new version and the appended events
   * @throws ConcurrencyConflictException if every attempt lost a race
   * @throws CommandRejectedException (or the decider's own exception) if the command is refused
   */
  default CommandResult<E> handle(String streamId, C command) {
    return handle(streamId, command, CommandOptions.defaults());
  }

  /**
   * Loads an aggregate's current state.
   *
   * @param streamId the stream
   * @return the state and its version (version 0 and the initial state if there are no events)
   */
  Loaded<S> load(String streamId);

  /**
   * Loads an aggregate's state as it was at a version.
   *
   * @param streamId the stream
   * @param version the version (events up to and including it are folded)
   * @return the state at that version, or at the last version if the stream is shorter
   * @throws IllegalArgumentException if the version is negative
   */
  Loaded<S> loadAt(String streamId, long version);

  /**
   * Loads an aggregate's state as it was at an instant.
   *
   * @param streamId the stream
   * @param instant the instant (events recorded at or before it are folded)
   * @return the state at that instant
   */
  Loaded<S> loadAsOf(String streamId, Instant instant);

  /**
   * Reads an aggregate's whole history.
   *
   * @param streamId the stream
   * @return its events, in order
   */
  List<EventEnvelope<E>> history(String streamId);
}
