package dev.cairn.bus.kafka.internal;

/**
 * A check of the relay's configuration against Kafka or the store failed: publishing could not
 * work, or would lose the relay's position. The relay goes {@code FAILED}, names the values, and
 * checks again later; it is never thrown out of {@code KafkaRelay.start()}.
 */
final class RelayCheckException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String code;
  private final String message;

  /**
   * Creates the failure.
   *
   * @param code the health cause's stable name, such as {@code record-size}
   * @param message what failed, with the values compared
   */
  RelayCheckException(String code, String message) {
    super(message);
    this.code = code;
    this.message = message;
  }

  /** What failed, with the values compared; never null, unlike {@link Throwable#getMessage()}. */
  @Override
  public String getMessage() {
    return message;
  }

  /** The health cause's stable name. */
  String code() {
    return code;
  }
}
