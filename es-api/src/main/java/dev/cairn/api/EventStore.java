package dev.cairn.api;

import java.util.List;

/**
 * An append-only store of event streams with a global order that readers can follow without ever
 * skipping an event.
 */
public interface EventStore {

  /**
   * Appends events to a stream if it is at the expected version; all of them or none.
   *
   * @param request the stream, expected version and events
   * @return the stored events
   * @throws ConcurrencyConflictException if the stream is at another version
   * @throws EventTooLargeException if an event's payload is over the store's limit
   * @throws EventStoreException if the store fails
   */
  AppendResult append(AppendRequest request);

  /**
   * Reads a stream forward.
   *
   * @param streamId the stream
   * @param afterVersion read events with a version above this one (0 reads from the start)
   * @param limit the most events to return
   * @return the events in version order; empty if none (or no such stream)
   * @throws IllegalArgumentException if the id is invalid, the version negative or the limit not
   *     positive
   */
  List<RecordedEvent> readStream(String streamId, long afterVersion, int limit);

  /**
   * Reads the global order after a position, returning only events whose transactions, and every
   * transaction before them, have ended: nothing can later appear before what this returns.
   *
   * @param after the last position already read ({@link GlobalPosition#START} for the beginning)
   * @param limit the most events to return
   * @return the events in global order; empty if none are ready
   * @throws IllegalArgumentException if the limit is not positive
   */
  List<RecordedEvent> readGlobal(GlobalPosition after, int limit);

  /**
   * Returns a stream's current version.
   *
   * @param streamId the stream
   * @return its version, or 0 if it does not exist
   */
  long streamVersion(String streamId);
}
