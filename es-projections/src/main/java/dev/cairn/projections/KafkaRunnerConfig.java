package dev.cairn.projections;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;

/** The consumer settings of a {@link KafkaProjectionRunner}: the user's, plus those the runner relies on. */
final class KafkaRunnerConfig {

  private KafkaRunnerConfig() {}

  /**
   * Returns the user's consumer settings with {@code read_committed}, no auto commit, the runner's
   * deserializers, the batch size as {@code max.poll.records} unless set, and a static member id:
   * the user's own {@code group.instance.id}, else the builder's, else a default reserved in this
   * process.
   *
   * @throws IllegalArgumentException if the settings have no group id
   */
  static Map<String, Object> of(
      ProjectionSpec spec, Map<String, Object> user, int maxBatchRecords, @Nullable String instanceId) {
    Map<String, Object> config = new HashMap<>(user);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxBatchRecords);
    if (!config.containsKey(ConsumerConfig.GROUP_ID_CONFIG)) {
      throw new IllegalArgumentException("consumer config of " + spec + " needs " + ConsumerConfig.GROUP_ID_CONFIG);
    }
    // Static membership: a restarted instance with the same id gets its partitions back at once
    // instead of after the session timeout. A raw setting of the user's wins over the default.
    Object raw = config.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    String id = raw != null ? raw.toString() : instanceId != null ? instanceId : InstanceIds.defaultFor(spec);
    config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id);
    return config;
  }
}
