package dev.cairn.api;

import org.jspecify.annotations.Nullable;

/**
 * An append lost a race: the stream was not at the version the writer expected. The writer may
 * reload the stream and decide again.
 */
public final class ConcurrencyConflictException extends CairnException {

  private static final long serialVersionUID = 1L;

  private final String streamId;
  private final long expectedVersion;
  private final long actualVersion;

  private ConcurrencyConflictException(
      String streamId, long expectedVersion, long actualVersion, @Nullable Throwable cause) {
    super(
        "stream " + streamId + ": expected version " + expectedVersion + " but was " + actualVersion,
        cause);
    this.streamId = streamId;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }

  /**
   * Creates the exception.
   *
   * @param streamId the stream
   * @param expectedVersion the version the writer expected (0: the stream must not exist)
   * @param actualVersion the version found, or -1 if it could not be read
   * @param cause the database's own error, or null
   * @return the exception
   */
  public static ConcurrencyConflictException of(
      String streamId, long expectedVersion, long actualVersion, @Nullable Throwable cause) {
    return new ConcurrencyConflictException(streamId, expectedVersion, actualVersion, cause);
  }

  /**
   * Returns the stream.
   *
   * @return the stream id
   */
  public String streamId() {
    return streamId;
  }

  /**
   * Returns the version the writer expected.
   *
   * @return the expected version
   */
  public long expectedVersion() {
    return expectedVersion;
  }

  /**
   * Returns the version found when the conflict was detected.
   *
   * @return the actual version, or -1 if it could not be read
   */
  public long actualVersion() {
    return actualVersion;
  }
}
