package dev.cairn.bus.kafka;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.Health;
import dev.cairn.api.HealthIndicator;
import dev.cairn.api.spi.Checks;
import dev.cairn.bus.kafka.internal.KafkaSettings;
import dev.cairn.bus.kafka.internal.RelayLoop;
import dev.cairn.bus.kafka.internal.RelaySettings;
import dev.cairn.bus.kafka.internal.TopicAdmin;
import dev.cairn.store.jdbc.JdbcEventStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerConfig;

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

  private KafkaRelay(Builder b) {
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
            b.listen, b.stalenessBound, b.afterSends, b.afterKafkaCommit, b.afterPrefetch,
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
  public static Builder builder(JdbcEventStore store) {
    return new Builder(store);
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
   * is stopped; DEGRADED when its staleness exceeds {@link Builder#stalenessBound} ({@code
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

  /** Configures a {@link KafkaRelay}; every setter checks its argument at once. */
  public static final class Builder {
    private static final Pattern TOPIC_CHARS = Pattern.compile("[a-zA-Z0-9._-]{0,200}");
    private final JdbcEventStore store;
    private final Map<String, Object> settings = new HashMap<>();
    private TopicRouter router;
    private String topicPrefix = "";
    private Optional<Integer> partitions = Optional.empty();
    private Optional<Short> replication = Optional.empty();
    private long retentionMs = -1;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private Duration initialBackoff = Duration.ofMillis(100);
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private String transactionalId;
    private String replacesTransactionalId;
    private String source;
    private MeterRegistry meters;
    private boolean listen;
    private Duration stalenessBound = DEFAULT_STALENESS_BOUND;
    private Runnable afterSends = () -> {};
    private Runnable afterKafkaCommit = () -> {};
    private Runnable afterPrefetch = () -> {};
    private OpenTelemetry openTelemetry;

    private Builder(JdbcEventStore store) {
      this.store = requireNonNull(store, "store");
    }

    /**
     * Adds raw Kafka producer settings ({@code bootstrap.servers}, TLS, SASL, {@code linger.ms},
     * {@code batch.size}, compression...), passed to the producer as given; the admin client and
     * the position consumer take those they know. The relay sets {@code enable.idempotence=true},
     * {@code acks=all} and its transactional id itself, and its own serializers. Unless set, it
     * raises {@code max.request.size} to fit the store's largest event as a record: {@link
     * JdbcEventStore#maxEventBytes()} times 1.5 (jsonb re-spaces payloads: {@code [1,1]} is read
     * back as {@code [1, 1]}) plus 64 KiB for key and headers; it gives the topics it creates the
     * same {@code max.message.bytes}.
     *
     * @param value the settings
     * @return this builder
     * @throws IllegalArgumentException naming the key and value if a setting would break the
     *     guarantees: {@code enable.idempotence=false}, {@code acks} other than {@code all} or
     *     {@code -1}, {@code max.in.flight.requests.per.connection} above 5, or a {@code
     *     transactional.id} other than the relay's
     */
    public Builder kafkaSettings(Map<String, ?> value) {
      requireNonNull(value, "kafkaSettings");
      Map<String, Object> merged = new HashMap<>(settings);
      value.forEach((k, v) -> merged.put(requireNonNull(k, "setting key"), requireNonNull(v, "setting " + k)));
      KafkaSettings.check(merged);
      if (transactionalId != null) {
        KafkaSettings.checkTransactionalId(merged, transactionalId);
      }
      settings.putAll(merged);
      return this;
    }

    /**
     * Sets how events are routed to topics (default: one topic per stream type, named by the
     * topic prefix and the stream type).
     *
     * @param value the router
     * @return this builder
     */
    public Builder topicRouter(TopicRouter value) {
      this.router = requireNonNull(value, "topicRouter");
      return this;
    }

    /**
     * Sets a prefix for the default router's topics and for the position topic (default none).
     *
     * @param value the prefix, e.g. {@code shop.}
     * @return this builder
     * @throws IllegalArgumentException if it holds characters a topic name cannot hold
     */
    public Builder topicPrefix(String value) {
      requireNonNull(value, "topicPrefix");
      if (!TOPIC_CHARS.matcher(value).matches()) {
        throw new IllegalArgumentException(
            "topic prefix must match " + TOPIC_CHARS.pattern() + " (as Kafka topic names do) but was '" + value + "'");
      }
      this.topicPrefix = value;
      return this;
    }

    /**
     * Sets the partition count of topics the relay creates (default: the broker's {@code
     * num.partitions}). Existing topics are left as they are.
     *
     * @param value the count
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder partitions(int value) {
      this.partitions = Optional.of(Checks.positive("partitions", value));
      return this;
    }

    /**
     * Sets the replication factor of topics the relay creates (default: the broker's {@code
     * default.replication.factor}).
     *
     * @param value the factor
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder replicationFactor(int value) {
      if (value <= 0 || value > Short.MAX_VALUE) {
        throw new IllegalArgumentException("replication factor must be between 1 and " + Short.MAX_VALUE + " but was " + value);
      }
      this.replication = Optional.of((short) value);
      return this;
    }

    /**
     * Sets how long event topics the relay creates keep records (default: forever, {@code
     * retention.ms=-1}, because replays read them from the start).
     *
     * @param value the retention
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder retention(Duration value) {
      this.retentionMs = Checks.positive("retention", value).toMillis();
      return this;
    }

    /**
     * Sets the most events published per Kafka transaction (default {@value #DEFAULT_BATCH_SIZE}).
     *
     * @param value the size
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder batchSize(int value) {
      this.batchSize = Checks.positive("batch size", value);
      return this;
    }

    /**
     * Sets how often the relay polls the store when no append woke it, and how often a standby
     * relay tries the lock (default 1 s).
     *
     * @param value the interval
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder pollInterval(Duration value) {
      this.pollInterval = Checks.positive("poll interval", value);
      return this;
    }

    /**
     * Sets the longest pause between retries after a failure (default 30 s); pauses start at
     * 100 ms and double.
     *
     * @param value the cap
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxBackoff(Duration value) {
      this.maxBackoff = Checks.positive("max backoff", value);
      if (initialBackoff.compareTo(maxBackoff) > 0) {
        initialBackoff = maxBackoff;
      }
      return this;
    }

    /**
     * Sets the relay's Kafka transactional id (default {@code cairn-relay-<schema>}). It must be
     * stable across restarts and the same for every instance of the store's relay, so the broker
     * fences a zombie.
     *
     * @param value the id
     * @return this builder
     * @throws IllegalArgumentException if blank, or if the Kafka settings name another id
     */
    public Builder transactionalId(String value) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException("transactional id must not be blank but was '" + value + "'");
      }
      KafkaSettings.checkTransactionalId(settings, value);
      this.transactionalId = value;
      return this;
    }

    /**
     * Lets this relay take over from a relay that published the store's events with the same
     * position topic under another transactional id (default: refuse). The store records which id
     * publishes with each position topic; a relay configured with another id goes {@link
     * RelayStatus.State#FAILED} (cause {@code transactional-id}, naming both ids), because Kafka
     * fences a zombie only among producers with the same id and the relay would republish every
     * event from a position of its own. With this switch naming the recorded id, the relay
     * records its own id instead and, if it has no position of its own yet, resumes from the
     * position the replaced id committed. Stop every relay with the old id first: nothing fences
     * them any more.
     *
     * @param previous the transactional id being replaced
     * @return this builder
     * @throws IllegalArgumentException if blank
     * @throws IllegalStateException if already set
     */
    public Builder replacesTransactionalId(String previous) {
      if (previous == null || previous.isBlank()) {
        throw new IllegalArgumentException("replaced transactional id must not be blank but was '" + previous + "'");
      }
      if (replacesTransactionalId != null) {
        throw new IllegalStateException("replaced transactional id was already set to " + replacesTransactionalId);
      }
      this.replacesTransactionalId = previous;
      return this;
    }

    /**
     * Sets the CloudEvents source of the records (default {@code cairn://<schema>}).
     *
     * @param value the source, a URI reference
     * @return this builder
     * @throws IllegalArgumentException if blank
     */
    public Builder source(String value) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException("source must not be blank but was '" + value + "'");
      }
      this.source = value;
      return this;
    }

    /**
     * Sets the registry for the relay's metrics (default the store's).
     *
     * @param value the registry
     * @return this builder
     */
    public Builder meterRegistry(MeterRegistry value) {
      this.meters = requireNonNull(value, "meterRegistry");
      return this;
    }

    /**
     * Listens on the store's LISTEN/NOTIFY channel (default off), so that appends in other
     * processes, whose stores announce them ({@link JdbcEventStoreBuilder#notifyOnAppend}), wake
     * the relay at once. Appends through the same store object always wake it.
     *
     * @param value true to listen
     * @return this builder
     */
    public Builder listenForNotifications(boolean value) {
      this.listen = value;
      return this;
    }

    /**
     * Sets the staleness (how long the oldest unpublished event has waited, see {@link
     * RelayStatus#staleness()}) past which the relay's health is {@code DEGRADED} (default 30 s).
     *
     * @param value the bound
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder stalenessBound(Duration value) {
      this.stalenessBound = Checks.positive("staleness bound", value);
      return this;
    }

    /**
     * Sets the OpenTelemetry that traces each batch and record (default the store's, see {@link
     * JdbcEventStoreBuilder#openTelemetry}).
     *
     * @param value the OpenTelemetry
     * @return this builder
     */
    public Builder openTelemetry(OpenTelemetry value) {
      this.openTelemetry = requireNonNull(value, "openTelemetry");
      return this;
    }

    /**
     * A test hook run after a batch is sent and before its transaction commits; the read of the
     * next batch has started.
     */
    Builder afterSends(Runnable value) {
      this.afterSends = requireNonNull(value, "afterSends");
      return this;
    }

    /** A test hook run after a batch's transaction commits and before anything else. */
    Builder afterKafkaCommit(Runnable value) {
      this.afterKafkaCommit = requireNonNull(value, "afterKafkaCommit");
      return this;
    }

    /**
     * A test hook run on the prefetch thread after each read of the next batch that found events,
     * while the batch before it commits.
     */
    Builder afterPrefetch(Runnable value) {
      this.afterPrefetch = requireNonNull(value, "afterPrefetch");
      return this;
    }

    /**
     * Builds the relay; {@link KafkaRelay#start()} starts it.
     *
     * @return the relay
     * @throws IllegalArgumentException if no {@code bootstrap.servers} is set, or the Kafka
     *     settings name a transactional id other than the relay's
     */
    public KafkaRelay build() {
      if (!settings.containsKey(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
        throw new IllegalArgumentException(
            "Kafka settings must name " + ProducerConfig.BOOTSTRAP_SERVERS_CONFIG + " but were " + settings.keySet());
      }
      return new KafkaRelay(this);
    }
  }
}
