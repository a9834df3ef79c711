package dev.cairn.bus.kafka;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.Health;
import dev.cairn.api.HealthIndicator;
import dev.cairn.bus.kafka.internal.KafkaSettings;
import dev.cairn.bus.kafka.internal.RelayLoop;
import dev.cairn.bus.kafka.internal.RelaySettings;
import dev.cairn.bus.kafka.internal.TopicAdmin;
import dev.cairn.store.jdbc.JdbcEventStore;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Streams a store's events to Kafka exactly once, keyed by stream id and in order per stream.
 *
 * <p>One relay per store is active: it holds a PostgreSQL session advisory lock; others wait on
 * standby and take over when its session ends. Its Kafka {@code transactional.id} is stable, so a
 * relay that lost the lock but still runs (a zombie) is fenced by the broker. The active relay
 * reads the store's global order in batches and writes each batch, together with its own
 * position, in one Kafka transaction; on start it resumes after the position committed in Kafka.
 * Records follow {@link CairnRecords}.
 *
 * <pre>{@code
 * KafkaRelay relay = KafkaRelay.builder(store)
 *     .kafkaSettings(Map.of("bootstrap.servers", "kafka:9092"))
 *     .topicPrefix("shop.")
 *     .partitions(12)
 *     .build()
 *     .start();
 * ...
 * relay.close();
 * }</pre>
 */
public final class KafkaRelay implements AutoCloseable, HealthIndicator {

  /** The default number of events read and published per Kafka transaction. */
  public static final int DEFAULT_BATCH_SIZE = 500;

  /**
   * The producer's {@code retry.backoff.ms} unless the Kafka settings give one (Kafka's default is
   * 100): how soon a transaction begun while the previous commit's markers are still being
   * written is retried.
   */
  public static final int DEFAULT_RETRY_BACKOFF_MS = KafkaSettings.RETRY_BACKOFF_MS;
  /** The default interval at which the relay polls the store when nothing woke it. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
  /** The default longest pause between retries after a failure. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
  /** The default staleness past which the relay is {@code DEGRADED}. */
  public static final Duration DEFAULT_STALENESS_BOUND = Duration.ofSeconds(30);
  /** The name of the position topic, after the topic prefix. */
  public static final String POSITION_TOPIC = "cairn-relay-positions";

  private final RelaySettings settings;
  // Copies of two settings, package-private for RelayConfigurationTest, which checks them
  // without starting a relay.
  final Map<String, Object> producerSettings;
  final Duration transactionTimeout;
  private final RelayLoop loop;
  private boolean started;

  KafkaRelay(KafkaRelayBuilder b) {
    JdbcEventStore store = b.store;
    String transactionalId = b.transactionalId != null ? b.transactionalId : "cairn-relay-" + store.schema();
    KafkaSettings.checkTransactionalId(b.settings, transactionalId);
    this.settings =
        new RelaySettings(
            store,
            KafkaSettings.producer(b.settings, transactionalId, store.maxEventBytes()),
            Map.copyOf(b.settings),
            KafkaSettings.transactionTimeout(b.settings),
            b.router != null ? b.router : TopicRouter.byStreamType(b.topicPrefix),
            b.topicPrefix + POSITION_TOPIC,
            b.partitions, b.replication,
            Map.of(
                "retention.ms", Long.toString(b.retentionMs),
                "max.message.bytes", Integer.toString(KafkaSettings.topicMaxMessageBytes(store.maxEventBytes()))),
            b.batchSize, b.pollInterval, b.initialBackoff, b.maxBackoff,
            transactionalId,
            Optional.ofNullable(b.replacesTransactionalId),
            b.source != null ? b.source : "cairn://" + store.schema(),
            b.meters != null ? b.meters : store.meterRegistry(),
            b.listen, b.stalenessBound, b.afterSends, b.afterKafkaCommit, b.afterPrefetch, b.readAhead,
            b.linger,
            b.openTelemetry != null ? b.openTelemetry : store.openTelemetry());
    this.producerSettings = settings.producerSettings();
    this.transactionTimeout = settings.transactionTimeout();
    this.loop = new RelayLoop(settings);
  }

  /**
   * Creates an event topic now, with the partitions, replication, retention and {@code
   * max.message.bytes} this relay gives the topics it creates, and waits until every partition
   * takes writes. The relay creates a topic with its first event; consumers that subscribe
   * earlier (projection runners, Kafka Streams, which fails on a missing source topic) call this
   * first. Unlike {@link #start()}, it blocks on Kafka (up to 30 s): do not call it on a start-up
   * path that must not depend on the broker.
   *
   * @param topic the topic's name, as this relay's router names it
   * @throws org.apache.kafka.common.KafkaException if it cannot be created or does not become
   *     ready in time
   */
  public void ensureTopic(String topic) {
    requireNonNull(topic, "topic");
    try (TopicAdmin admin =
        new TopicAdmin(
            KafkaSettings.admin(settings.rawSettings(), settings.transactionalId() + "-setup"), Duration.ofSeconds(30))) {
      admin.ensure(topic, settings.partitions(), settings.replication(), settings.eventTopicConfig());
    }
  }

  /**
   * Starts configuring a relay of a store.
   *
   * @param store the store whose global order the relay publishes
   * @return a builder
   * @throws NullPointerException if the store is null
   */
  public static KafkaRelayBuilder builder(JdbcEventStore store) {
    return new KafkaRelayBuilder(store);
  }

  /**
   * Creates or upgrades the relay's monitoring table in the store's schema, then starts the
   * relay's thread: it waits for the store's relay lock, then publishes. Returns at once, never
   * waiting for Kafka: while the broker is unreachable the relay retries and says so in {@link
   * #status()}, {@link #health()} and its metrics. On reaching Kafka it checks that any event the
   * store accepts fits {@code max.request.size} and the topics' {@code max.message.bytes}, and
   * that its position topic never deletes; a failed check makes it {@link
   * RelayStatus.State#FAILED}, naming the values, and is never thrown from here.
   *
   * @return this relay
   * @throws IllegalStateException if it was already started
   * @throws dev.cairn.api.EventStoreException if the migration fails
   */
  public synchronized KafkaRelay start() {
    if (started) {
      throw new IllegalStateException("relay " + settings.transactionalId() + " was already started");
    }
    settings.store().migrate("classpath:dev/cairn/bus/kafka/migration", "cairn_relay_schema_history");
    started = true;
    loop.start();
    return this;
  }

  /**
   * Tells what the relay is doing.
   *
   * @return its state, the last position it committed to Kafka and its last error
   */
  public RelayStatus status() {
    return loop.status();
  }

  /**
   * Tells the relay's health from what it already knows (no query, no Kafka call). DOWN while it
   * cannot reach Kafka ({@code kafka-unreachable}: a Kafka call blocked over 5 s and the broker
   * does not answer a probe; {@code kafka-error}: a call failed), Kafka rejected a record ({@code
   * record-rejected}, naming the event's stream, version, position and size), a check failed
   * ({@code record-size}, {@code position-topic}, {@code transactional-id}), the store failed, a
   * transaction hangs on one of its partitions after it committed on others ({@code
   * transaction-partially-committed}; see {@link RelayRepair#resolvePartiallyCommitted}), or it
   * is stopped; DEGRADED when its staleness exceeds {@link KafkaRelayBuilder#stalenessBound} ({@code
   * stale}) or a Kafka call blocks while the broker answers ({@code kafka-stalled}); UP again by
   * itself once the cause is gone. Also the gauge {@code cairn.health.status}, tagged {@code
   * component=relay <transactional id>}.
   *
   * @return the health
   */
  @Override
  public Health health() {
    return loop.health();
  }

  /**
   * Returns the relay's stable Kafka transactional id.
   *
   * @return the id
   */
  public String transactionalId() {
    return settings.transactionalId();
  }

  /**
   * Returns the compacted topic in which the relay commits its position.
   *
   * @return the topic's name
   */
  public String positionTopic() {
    return settings.positionTopic();
  }

  /** The relay's settings, for {@link RelayRepair}. */
  RelaySettings settings() {
    return settings;
  }

  /**
   * Stops the relay gracefully: a batch being published is committed (or, if that fails,
   * aborted), the producer is closed and the lock released. Waits for the relay's thread to end.
   * Calling it again does nothing.
   */
  @Override
  public void close() {
    loop.stop();
  }
}
