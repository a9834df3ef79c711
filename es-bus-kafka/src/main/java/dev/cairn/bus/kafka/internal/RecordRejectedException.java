package dev.cairn.bus.kafka.internal;

import org.apache.kafka.common.KafkaException;

/**
 * Kafka refused one record of a batch for good (too large, invalid): retrying the same record
 * cannot succeed until the configuration changes. The message names the event.
 */
final class RecordRejectedException extends KafkaException {

  private static final long serialVersionUID = 1L;

  private final String message;

  RecordRejectedException(String message, Throwable cause) {
    super(message, cause);
    this.message = message;
  }

  /** What Kafka refused, naming the event; never null, unlike {@link Throwable#getMessage()}. */
  @Override
  public String getMessage() {
    return message;
  }
}
