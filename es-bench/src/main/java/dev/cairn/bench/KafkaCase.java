package dev.cairn.bench;

/** A benchmark case that runs against Kafka: the broker is started when one is selected. */
interface KafkaCase extends BenchCase {

  @Override
  default boolean needsKafka() {
    return true;
  }

  /**
   * Returns a name part unique to this run (the time in base 36), so that on a shared cluster no
   * relay resumes from an older run's position and no topic, group or transactional id of an older
   * run is met again.
   */
  static String runId() {
    return Long.toString(System.currentTimeMillis(), 36);
  }
}
