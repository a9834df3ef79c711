package dev.cairn.api;

/**
 * A command carried an idempotency key that an earlier, different command already used: for
 * another stream, or with another body.
 */
public final class IdempotencyKeyReusedException extends CairnException {

  private static final long serialVersionUID = 1L;

  private final String key;

  private IdempotencyKeyReusedException(String message, String key) {
    super(message);
    this.key = key;
  }

  /**
   * Creates the exception for a key first used on another stream.
   *
   * @param key the idempotency key
   * @param firstStream the stream it was first used for
   * @param thisStream the stream of the command that reused it
   * @return the exception
   */
  public static IdempotencyKeyReusedException otherStream(
      String key, String firstStream, String thisStream) {
    return new IdempotencyKeyReusedException(
        "idempotency key " + key + " was used for stream " + firstStream
            + " and cannot be reused for stream " + thisStream,
        key);
  }

  /**
   * Creates the exception for a key first used with a different command.
   *
   * @param key the idempotency key
   * @param streamId the stream
   * @return the exception
   */
  public static IdempotencyKeyReusedException otherCommand(String key, String streamId) {
    return new IdempotencyKeyReusedException(
        "idempotency key " + key + " was used on stream " + streamId
            + " for a different command; a key may only be resent with the same command",
        key);
  }

  /**
   * Returns the key.
   *
   * @return the idempotency key
   */
  public String key() {
    return key;
  }
}
