package dev.cairn.bus.kafka;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.spi.Checks;
import dev.cairn.api.spi.SetOnce;
import dev.cairn.bus.kafka.internal.KafkaSettings;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.store.jdbc.JdbcEventStoreBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.jspecify.annotations.Nullable;

/**
 * Configures a {@link KafkaRelay}, as {@link KafkaRelay#builder(JdbcEventStore)} returns it; every
 * setter checks its argument at once, and refuses a second call (each Kafka setting too), naming
 * the value set first.
 */
public final class KafkaRelayBuilder {
  private static final Pattern TOPIC_CHARS = Pattern.compile("[a-zA-Z0-9._-]{0,200}");
  final JdbcEventStore store;
  private final SetOnce set = new SetOnce();
  final Map<String, Object> settings = new HashMap<>();
  // The @Nullable fields stay null unless set; KafkaRelay then applies the default.
  @Nullable TopicRouter router;
  String topicPrefix = "";
  Optional<Integer> partitions = Optional.empty();
  Optional<Short> replication = Optional.empty();
  long retentionMs = -1;
  int batchSize = KafkaRelay.DEFAULT_BATCH_SIZE;
  Duration pollInterval = KafkaRelay.DEFAULT_POLL_INTERVAL;
  Duration initialBackoff = Duration.ofMillis(100);
  Duration maxBackoff = KafkaRelay.DEFAULT_MAX_BACKOFF;
  @Nullable String transactionalId;
  @Nullable String replacesTransactionalId;
  @Nullable String source;
  @Nullable MeterRegistry meters;
  boolean listen;
  Duration stalenessBound = KafkaRelay.DEFAULT_STALENESS_BOUND;
  Runnable afterSends = () -> {};
  Runnable afterKafkaCommit = () -> {};
  Runnable afterPrefetch = () -> {};
  boolean readAhead;
  Duration linger = Duration.ZERO;
  @Nullable OpenTelemetry openTelemetry;

  KafkaRelayBuilder(JdbcEventStore store) {
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
   * @throws IllegalStateException if one of the settings was already set
   * @throws IllegalArgumentException naming the key and value if a setting would break the
   *     guarantees: {@code enable.idempotence=false}, {@code acks} other than {@code all} or
   *     {@code -1}, {@code max.in.flight.requests.per.connection} above 5, or a {@code
   *     transactional.id} other than the relay's
   */
  public KafkaRelayBuilder kafkaSettings(Map<String, ?> value) {
    Map<String, Object> merged = SetOnce.merged("Kafka setting", settings, requireNonNull(value, "kafkaSettings"));
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
   * @throws IllegalStateException if already set
   */
  public KafkaRelayBuilder topicRouter(TopicRouter value) {
    this.router = set.once("topic router", value);
    return this;
  }

  /**
   * Sets a prefix for the default router's topics and for the position topic (default none).
   *
   * @param value the prefix, e.g. {@code shop.}
   * @return this builder
   * @throws IllegalStateException if already set
   * @throws IllegalArgumentException if it holds characters a topic name cannot hold
   */
  public KafkaRelayBuilder topicPrefix(String value) {
    requireNonNull(value, "topicPrefix");
    if (!TOPIC_CHARS.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "topic prefix must match " + TOPIC_CHARS.pattern() + " (as Kafka topic names do) but was '" + value + "'");
    }
    this.topicPrefix = set.once("topic prefix", value);
    return this;
  }

  /**
   * Sets the partition count of topics the relay creates (default: the broker's {@code
   * num.partitions}). Existing topics are left as they are.
   *
   * @param value the count
   * @return this builder
   * @throws IllegalStateException if already set
   * @throws IllegalArgumentException if not positive
   */
  public KafkaRelayBuilder partitions(int value) {
    this.partitions = Optional.of(set.once("partitions", Checks.positive("partitions", value)));
    return this;
  }

  /**
   * Sets the replication factor of topics the relay creates (default: the broker's {@code
   * default.replication.factor}).
   *
   * @param value the factor
   * @return this builder
   * @throws IllegalStateException if already set
   * @throws IllegalArgumentException if not positive
   */
  public KafkaRelayBuilder replicationFactor(int value) {
    if (value <= 0 || value > Short.MAX_VALUE) {
      throw new IllegalArgumentException("replication factor must be between 1 and " + Short.MAX_VALUE + " but was " + value);
    }
    this.replication = Optional.of(set.once("replication factor", (short) value));
    return this;
  }

  /**
   * Sets how long event topics the relay creates keep records (default: forever, {@code
   * retention.ms=-1}, because replays read them from the start).
   *
   * @param value the retention
   * @return this builder
   * @throws IllegalStateException if already set
   * @throws IllegalArgumentException if not positive
   */
  public KafkaRelayBuilder retention(Duration value) {
    this.retentionMs = set.once("retention", Checks.positive("retention", value)).toMillis();
    return this;
  }

  /**
   * Sets the most events published per Kafka transaction (default {@value
   * KafkaRelay#DEFAULT_BATCH_SIZE}).
   *
   * @param value the size
   * @return this builder
   * @throws IllegalStateException if already set
   * @throws IllegalArgumentException if not positive
   */
  public KafkaRelayBuilder batchSize(int value) {
    this.batchSize = set.once("batch size", Checks.positive("batch size", value));
    return this;
  }

  /**
   * Sets how often the relay polls the store when no append woke it, and how often a standby
   * relay tries the lock (default 1 s).
   *
   * @param value the interval
   * @return this builder
   * @throws IllegalStateException if already set
   * @throws IllegalArgumentException if not positive
   */
  public KafkaRelayBuilder pollInterval(Duration value) {
    this.pollInterval = set.once("poll interval", Checks.positive("poll interval", value));
    return this;
  }

  /**
   * Sets the longest pause between retries after a failure (default 30 s); pauses start at
   * 100 ms and double.
   *
   * @param value the cap
   * @return this builder
   * @throws IllegalStateException if already set
   * @throws IllegalArgumentException if not positive
   */
  public KafkaRelayBuilder maxBackoff(Duration value) {
    this.maxBackoff = set.once("max backoff", Checks.positive("max backoff", value));
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
   * @throws IllegalStateException if already set
   * @throws IllegalArgumentException if blank, or if the Kafka settings name another id
   */
  public KafkaRelayBuilder transactionalId(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("transactional id must not be blank but was '" + value + "'");
    }
    KafkaSettings.checkTransactionalId(settings, value);
    this.transactionalId = set.once("transactional id", value);
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
   * @throws IllegalStateException if already set
   * @throws IllegalArgumentException if blank
   */
  public KafkaRelayBuilder replacesTransactionalId(String previous) {
    if (previous == null || previous.isBlank()) {
      throw new IllegalArgumentException("replaced transactional id must not be blank but was '" + previous + "'");
    }
    this.replacesTransactionalId = set.once("replaced transactional id", previous);
    return this;
  }

  /**
   * Sets the CloudEvents source of the records (default {@code cairn://<schema>}).
   *
   * @param value the source, a URI reference
   * @return this builder
   * @throws IllegalStateException if already set
   * @throws IllegalArgumentException if blank
   */
  public KafkaRelayBuilder source(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("source must not be blank but was '" + value + "'");
    }
    this.source = set.once("source", value);
    return this;
  }

  /**
   * Sets the registry for the relay's metrics (default the store's).
   *
   * @param value the registry
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public KafkaRelayBuilder meterRegistry(MeterRegistry value) {
    this.meters = set.once("meter registry", value);
    return this;
  }

  /**
   * Listens on the store's LISTEN/NOTIFY channel (default off), so that appends in other
   * processes, whose stores announce them ({@link JdbcEventStoreBuilder#notifyOnAppend}), wake
   * the relay at once. Appends through the same store object always wake it.
   *
   * @param value true to listen
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public KafkaRelayBuilder listenForNotifications(boolean value) {
    this.listen = set.once("listen for notifications", value);
    return this;
  }

  /**
   * Sets the staleness (how long the oldest unpublished event has waited, see {@link
   * RelayStatus#staleness()}) past which the relay's health is {@code DEGRADED} (default 30 s).
   *
   * @param value the bound
   * @return this builder
   * @throws IllegalStateException if already set
   * @throws IllegalArgumentException if not positive
   */
  public KafkaRelayBuilder stalenessBound(Duration value) {
    this.stalenessBound = set.once("staleness bound", Checks.positive("staleness bound", value));
    return this;
  }

  /**
   * Sets the OpenTelemetry that traces each batch and record (default the store's, see {@link
   * JdbcEventStoreBuilder#openTelemetry}).
   *
   * @param value the OpenTelemetry
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public KafkaRelayBuilder openTelemetry(OpenTelemetry value) {
    this.openTelemetry = set.once("OpenTelemetry", value);
    return this;
  }

  /**
   * A test hook run after a batch is sent and before its transaction commits; the read of the
   * next batch has started.
   */
  KafkaRelayBuilder afterSends(Runnable value) {
    this.afterSends = set.once("afterSends hook", value);
    return this;
  }

  /** A test hook run after a batch's transaction commits and before anything else. */
  KafkaRelayBuilder afterKafkaCommit(Runnable value) {
    this.afterKafkaCommit = set.once("afterKafkaCommit hook", value);
    return this;
  }

  /**
   * Reads the next batch while the previous batch's Kafka transaction commits (default off). With
   * it, the next transaction begins as soon as the commit returns; the batch read ahead is used
   * only if that commit succeeded, and dropped otherwise. Off by default: with a backlog on two
   * cores, es-bench's relay case measured it at about half the throughput without it (27-29k
   * against 54k events/s in back-to-back runs), and its end-to-end latency gain was within the
   * noise; see docs/benchmarks.md.
   *
   * @param value true to read ahead
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public KafkaRelayBuilder readAhead(boolean value) {
    this.readAhead = set.once("read-ahead", value);
    return this;
  }

  /**
   * Sets how long the relay waits, after committing a batch that was not full, before it reads the
   * next one (default zero: at once). Events appended meanwhile go to Kafka together, in one
   * transaction instead of several: fewer transactions (each a commit, a write to the transaction
   * log and a marker in every partition it touched) for at most this much more latency while events
   * keep coming. An event that finds the relay idle is read at once. It is what {@code linger.ms}
   * is to a producer that is not transactional, which the relay's commits cut short. It cannot go
   * with {@link #readAhead(boolean)}, whose read of the next batch starts during the commit: {@link
   * #build()} refuses the two together.
   *
   * <p>Measured by es-bench's e2e_latency at 1000 events/s (2026-12-03, two runs each way, broker
   * in process): 5 ms halved the relay's transactions (6,836-7,146 over the case against
   * 13,321-15,130; 9.7-11.3 events each against 5.0-6.1) and raised the p50 by 1.5-2.8 ms; the p99
   * stayed within the runs' spread (23.2 and 23.8 ms against 19.7 and 29.1). So it is off by
   * default: it buys a lighter load on the broker (and on its transaction log) with latency.
   *
   * @param value the wait, zero to 1 s
   * @return this builder
   * @throws IllegalStateException if already set
   * @throws IllegalArgumentException if negative or over 1 s
   */
  public KafkaRelayBuilder linger(Duration value) {
    this.linger = set.once("relay linger", Checks.between("relay linger", requireNonNull(value, "linger"), Duration.ZERO, Duration.ofSeconds(1)));
    return this;
  }

  /**
   * A test hook run on the prefetch thread after each read of the next batch that found events,
   * while the batch before it commits.
   */
  KafkaRelayBuilder afterPrefetch(Runnable value) {
    this.afterPrefetch = set.once("afterPrefetch hook", value);
    return this;
  }

  /**
   * Builds the relay; {@link KafkaRelay#start()} starts it.
   *
   * @return the relay
   * @throws IllegalArgumentException if no {@code bootstrap.servers} is set, the Kafka settings
   *     name a transactional id other than the relay's, or a linger is set with read-ahead
   */
  public KafkaRelay build() {
    if (!settings.containsKey(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
      throw new IllegalArgumentException(
          "Kafka settings must name " + ProducerConfig.BOOTSTRAP_SERVERS_CONFIG + " but were " + settings.keySet());
    }
    if (readAhead && !linger.isZero()) {
      throw new IllegalArgumentException(
          "relay linger must be 0 with readAhead(true) (the next batch is read while the previous one commits, so"
              + " there is no pause to linger in) but was " + linger + ": set one or the other");
    }
    return new KafkaRelay(this);
  }
}
