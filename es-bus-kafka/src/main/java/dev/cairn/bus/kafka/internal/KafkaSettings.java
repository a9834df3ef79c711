package dev.cairn.bus.kafka.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Checks the raw producer settings a user gives the relay and derives the producer, admin and
 * consumer settings from them. Settings that would break exactly-once publication are rejected,
 * naming the key and the value; everything else (TLS, SASL, linger, compression...) passes through.
 */
public final class KafkaSettings {

  private static final int MAX_IN_FLIGHT = 5;

  /**
   * The relay's {@code retry.backoff.ms} unless the user sets one. A transaction begun right after
   * the previous commit returned finds that transaction's markers still being written: the broker
   * answers its first records with CONCURRENT_TRANSACTIONS and the producer retries them after
   * {@code retry.backoff.ms}, 100 ms by Kafka's default. That wait, not Kafka's work, was most of
   * the relay's latency: on the in-process broker a transaction of about 17 records took 24 ms at
   * p50 with the default and 3.6 ms with 2 ms (records readable p50 42 -> 7 ms, p99 104 -> 42 ms at
   * 1000 records/s); es-bench's e2e_latency went from p50 33 / p99 77 ms to 14 / 31 ms. Produce
   * retries still back off exponentially up to {@code retry.backoff.max.ms} (1 s by default); the
   * transaction coordinator's own requests retry every 2 ms while a coordinator moves, which a
   * relay's single producer can afford.
   */
  public static final int RETRY_BACKOFF_MS = 2;

  private KafkaSettings() {}

  /**
   * Rejects settings that would break the relay's guarantees.
   *
   * @param raw the user's producer settings
   * @throws IllegalArgumentException naming the key and value of the first offending setting
   */
  public static void check(Map<String, Object> raw) {
    Object idempotence = raw.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG);
    if (idempotence != null && !"true".equals(text(idempotence))) {
      throw new IllegalArgumentException(
          ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG + "=" + idempotence
              + " would break exactly-once publication: the relay needs an idempotent producer"
              + " (leave it unset, the relay sets it to true)");
    }
    Object acks = raw.get(ProducerConfig.ACKS_CONFIG);
    if (acks != null && !"all".equals(text(acks)) && !"-1".equals(text(acks))) {
      throw new IllegalArgumentException(
          ProducerConfig.ACKS_CONFIG + "=" + acks
              + " would let an acknowledged event be lost: the relay needs acks=all"
              + " (leave it unset, the relay sets it)");
    }
    transactionTimeout(raw);
    Object inFlight = raw.get(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
    if (inFlight != null) {
      int value;
      try {
        value = Integer.parseInt(text(inFlight));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION + "=" + inFlight + " is not a number", e);
      }
      if (value > MAX_IN_FLIGHT || value < 1) {
        throw new IllegalArgumentException(
            ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION + "=" + inFlight
                + " would break per-key order: an idempotent producer keeps order only with 1 to "
                + MAX_IN_FLIGHT + " requests in flight");
      }
    }
  }

  /**
   * Returns the producer's transaction timeout: {@code transaction.timeout.ms} as set, or Kafka's
   * default.
   *
   * @param raw the user's producer settings
   * @return the timeout
   * @throws IllegalArgumentException naming key and value if it is not a positive number
   */
  public static Duration transactionTimeout(Map<String, Object> raw) {
    Object value = raw.get(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
    if (value == null) {
      value = ProducerConfig.configDef().defaultValues().get(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
    }
    int millis;
    try {
      millis = (Integer) ConfigDef.parseType(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, value, ConfigDef.Type.INT);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(
          ProducerConfig.TRANSACTION_TIMEOUT_CONFIG + "=" + value + " is not a number of milliseconds", e);
    }
    if (millis <= 0) {
      throw new IllegalArgumentException(
          ProducerConfig.TRANSACTION_TIMEOUT_CONFIG + "=" + value + " must be positive");
    }
    return Duration.ofMillis(millis);
  }

  /**
   * Rejects a transactional id in the raw settings that differs from the relay's.
   *
   * @param raw the user's producer settings
   * @param transactionalId the relay's transactional id
   * @throws IllegalArgumentException naming both ids
   */
  public static void checkTransactionalId(Map<String, Object> raw, String transactionalId) {
    Object given = raw.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    if (given != null && !transactionalId.equals(text(given))) {
      throw new IllegalArgumentException(
          ProducerConfig.TRANSACTIONAL_ID_CONFIG + "=" + given + " differs from the relay's transactional id "
              + transactionalId + ": set it with KafkaRelayBuilder.transactionalId, so that it stays"
              + " stable and fences a zombie relay");
    }
  }

  /**
   * Derives the producer's settings: the raw ones with idempotence, {@code acks=all} and the
   * transactional id forced; serializers are given as instances, so any configured are dropped.
   *
   * <p>Unless set, {@code retry.backoff.ms} is {@value #RETRY_BACKOFF_MS} (see there), and {@code
   * max.request.size} is raised to fit the largest record of the store's events, so that no event
   * the store accepts can stall the relay.
   *
   * @param raw the user's producer settings, already checked
   * @param transactionalId the relay's transactional id
   * @param maxEventBytes the store's largest event
   * @return a new map
   */
  public static Map<String, Object> producer(Map<String, Object> raw, String transactionalId, int maxEventBytes) {
    Map<String, Object> config = new HashMap<>(raw);
    if (!raw.containsKey(ProducerConfig.MAX_REQUEST_SIZE_CONFIG)
        && RecordLimits.maxRequestSize(raw) < RecordLimits.recordBytes(maxEventBytes)) {
      config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, RecordLimits.recordBytes(maxEventBytes));
    }
    config.putIfAbsent(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, RETRY_BACKOFF_MS);
    config.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
    config.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, transactionalId);
    return config;
  }

  /**
   * Returns the {@code max.message.bytes} the relay gives the event topics it creates: room for
   * the store's largest event as a record.
   *
   * @param maxEventBytes the store's largest event
   * @return the value
   */
  public static int topicMaxMessageBytes(int maxEventBytes) {
    return RecordLimits.recordBytes(maxEventBytes);
  }

  /**
   * Derives an admin client's settings: the raw settings that an admin client knows (bootstrap,
   * TLS, SASL, timeouts).
   *
   * @param raw the user's producer settings
   * @param clientId the admin client's id
   * @return a new map
   */
  public static Map<String, Object> admin(Map<String, Object> raw, String clientId) {
    Map<String, Object> config = only(raw, AdminClientConfig.configNames());
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
    return config;
  }

  /**
   * Derives the settings of the consumer that reads the relay's committed position: the raw
   * settings a consumer knows, {@code read_committed}, no group and no auto-commit.
   *
   * @param raw the user's producer settings
   * @param clientId the consumer's id
   * @return a new map
   */
  public static Map<String, Object> positionConsumer(Map<String, Object> raw, String clientId) {
    Map<String, Object> config = only(raw, ConsumerConfig.configNames());
    config.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
    config.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return config;
  }

  private static Map<String, Object> only(Map<String, Object> raw, Set<String> known) {
    Map<String, Object> config = new HashMap<>();
    raw.forEach(
        (k, v) -> {
          if (known.contains(k)) {
            config.put(k, v);
          }
        });
    return config;
  }

  private static String text(Object value) {
    return value.toString().trim().toLowerCase(Locale.ROOT);
  }
}
