package dev.cairn.bus.kafka.internal;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.TopicConfig;

/**
 * How large a record of a store's event can be, and the checks that every event the store accepts
 * fits the producer's {@code max.request.size} and the topics' {@code max.message.bytes}, so no
 * accepted event can stall the relay.
 *
 * <p>The store limits the payload as the caller sent it, but the relay publishes it as {@code
 * jsonb} prints it: with a space after every {@code ,} and {@code :}. That grows compact JSON by
 * at most {@value #JSONB_GROWTH}x (the worst case is an array of one-digit numbers, {@code
 * [1,1,1]} becoming {@code [1, 1, 1]}). Numbers in exponent notation are printed in full
 * ({@code 1e300} becomes 301 digits) and can exceed any bound; such a record is rejected by Kafka
 * and the relay names it (health cause {@code record-rejected}).
 */
final class RecordLimits {

  /** How much {@code jsonb} re-spacing can grow a payload: {@code [1,1]} becomes {@code [1, 1]}. */
  static final double JSONB_GROWTH = 1.5;
  /**
   * Room for the key, the headers (CloudEvents attributes, metadata) and the record batch's own
   * overhead.
   */
  static final int HEADER_ALLOWANCE = 64 * 1024;

  private RecordLimits() {}

  /**
   * The most bytes one record of an event can take, as Kafka counts it.
   *
   * @param maxEventBytes the store's largest payload
   * @return the bound, at most {@link Integer#MAX_VALUE}
   */
  static int recordBytes(int maxEventBytes) {
    return (int) Math.min(Integer.MAX_VALUE, (long) Math.ceil(maxEventBytes * JSONB_GROWTH) + HEADER_ALLOWANCE);
  }

  /** The producer's {@code max.request.size}: as set, or Kafka's default. */
  static int maxRequestSize(Map<String, Object> producerSettings) {
    Object value = producerSettings.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    if (value == null) {
      value = ProducerConfig.configDef().defaultValues().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    }
    return (Integer) ConfigDef.parseType(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, value, ConfigDef.Type.INT);
  }

  private static String bound(int maxEventBytes) {
    return "events up to " + maxEventBytes + " bytes (the store's maxEventBytes), which jsonb may re-space up to "
        + JSONB_GROWTH + "x, plus " + HEADER_ALLOWANCE + " bytes for key and headers, make records of up to "
        + recordBytes(maxEventBytes) + " bytes";
  }

  /**
   * Checks that the producer takes the largest record.
   *
   * @throws RelayCheckException naming the store's limit, the record bound and {@code
   *     max.request.size}
   */
  static void checkProducer(int maxEventBytes, Map<String, Object> producerSettings) {
    int request = maxRequestSize(producerSettings);
    if (request < recordBytes(maxEventBytes)) {
      throw new RelayCheckException(
          "record-size",
          bound(maxEventBytes) + ", but the producer's " + ProducerConfig.MAX_REQUEST_SIZE_CONFIG + " is " + request
              + ": raise it to at least " + recordBytes(maxEventBytes) + " (or leave it unset) or lower maxEventBytes");
    }
  }

  /**
   * Checks that a topic takes the largest record.
   *
   * @param configs the topic's effective configuration
   * @throws RelayCheckException naming the store's limit, {@code max.request.size} and the topic's
   *     {@code max.message.bytes}
   */
  static void checkTopic(String topic, Map<String, String> configs, int maxEventBytes, Map<String, Object> producerSettings) {
    String value = configs.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
    if (value == null) {
      return;
    }
    long topicMax = Long.parseLong(value.trim());
    if (topicMax < recordBytes(maxEventBytes)) {
      throw new RelayCheckException(
          "record-size",
          bound(maxEventBytes) + " (producer " + ProducerConfig.MAX_REQUEST_SIZE_CONFIG + " "
              + maxRequestSize(producerSettings) + "), but topic " + topic + " has "
              + TopicConfig.MAX_MESSAGE_BYTES_CONFIG + "=" + topicMax + ": raise it to at least "
              + recordBytes(maxEventBytes) + " or lower maxEventBytes");
    }
  }

  /**
   * Checks that the position topic never deletes the relay's position: compacted, and without
   * time-based deletion ({@code compact}, or {@code compact,delete} with {@code retention.ms=-1}).
   *
   * @param configs the topic's effective configuration
   * @throws RelayCheckException naming the topic and its values
   */
  static void checkPositionTopic(String topic, Map<String, String> configs) {
    String policy = configs.getOrDefault(TopicConfig.CLEANUP_POLICY_CONFIG, "");
    List<String> policies =
        List.of(policy.toLowerCase(Locale.ROOT).replace(" ", "").replace("[", "").replace("]", "").split(","));
    String retention = configs.getOrDefault(TopicConfig.RETENTION_MS_CONFIG, "").trim();
    boolean compacted = policies.contains(TopicConfig.CLEANUP_POLICY_COMPACT);
    boolean deletes = policies.contains(TopicConfig.CLEANUP_POLICY_DELETE) && !"-1".equals(retention);
    if (!compacted || deletes) {
      throw new RelayCheckException(
          "position-topic",
          "position topic " + topic + " has " + TopicConfig.CLEANUP_POLICY_CONFIG + "=" + policy + " and "
              + TopicConfig.RETENTION_MS_CONFIG + "=" + retention + ": it would delete the relay's position after"
              + " its retention and the relay would publish every event again; it must be compact (or"
              + " compact,delete with retention.ms=-1): kafka-configs --alter --entity-type topics --entity-name "
              + topic + " --add-config cleanup.policy=compact");
    }
  }
}
