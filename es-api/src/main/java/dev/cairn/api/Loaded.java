package dev.cairn.api;

/**
 * An aggregate's state at a version.
 *
 * @param streamId the stream
 * @param version the version of the last event folded in (0: no events)
 * @param state the state
 * @param <S> the state type
 */
public record Loaded<S>(String streamId, long version, S state) {

  /**
   * Tells whether the stream has any events.
   *
   * @return true if the version is above 0
   */
  public boolean exists() {
    return version > 0;
  }
}
