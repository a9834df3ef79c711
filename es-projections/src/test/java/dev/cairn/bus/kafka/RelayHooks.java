package dev.cairn.bus.kafka;

/**
 * Reaches the relay builder's package-private test hooks from the projection tests, which run a
 * relay and a Kafka-fed runner together; the hooks stay out of the public API.
 */
public final class RelayHooks {

  private RelayHooks() {}

  /**
   * Sets the hook run after a batch is sent and before its Kafka transaction commits.
   *
   * @param builder the relay's builder
   * @param hook the hook, run on the relay's thread
   * @return the builder
   */
  public static KafkaRelayBuilder afterSends(KafkaRelayBuilder builder, Runnable hook) {
    return builder.afterSends(hook);
  }

  /**
   * Sets the hook run after a batch's Kafka transaction has committed.
   *
   * @param builder the relay's builder
   * @param hook the hook, run on the relay's thread
   * @return the builder
   */
  public static KafkaRelayBuilder afterKafkaCommit(KafkaRelayBuilder builder, Runnable hook) {
    return builder.afterKafkaCommit(hook);
  }
}
