package dev.cairn.bus.kafka.internal;

import dev.cairn.bus.kafka.TopicRouter;
import dev.cairn.store.jdbc.JdbcEventStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A relay's checked configuration, as {@code KafkaRelayBuilder} made it; the facade keeps the
 * builder and its checks, the internal classes read only this. Not API.
 *
 * @param store the store whose global order is published
 * @param producerSettings the producer's settings, with the relay's own guarantees applied
 * @param rawSettings the Kafka settings as given, for the admin client and the position consumer
 * @param transactionTimeout the producer's transaction timeout
 * @param router routes events to topics
 * @param positionTopic the compacted topic holding the relay's position
 * @param partitions the partition count of topics the relay creates, if set
 * @param replication the replication factor of topics the relay creates, if set
 * @param eventTopicConfig the topic configuration of event topics the relay creates
 * @param batchSize the most events per Kafka transaction
 * @param pollInterval how often the store is polled and a standby relay tries the lock
 * @param initialBackoff the first pause after a failure
 * @param maxBackoff the longest pause after a failure
 * @param transactionalId the relay's stable Kafka transactional id
 * @param replacesTransactionalId the transactional id this relay may take over from, if the
 *     operator named one
 * @param source the CloudEvents source of the records
 * @param meters the registry of the relay's metrics
 * @param listen whether to listen on the store's LISTEN/NOTIFY channel
 * @param stalenessBound how long the oldest unpublished event may wait before the relay is
 *     degraded
 * @param afterSends a test hook run after a batch is sent (and the next one's prefetch started)
 *     and before its commit
 * @param afterKafkaCommit a test hook run after a batch's commit
 * @param afterPrefetch a test hook run on the prefetch thread after each read that found events
 * @param readAhead whether the next batch is read while the previous one commits ({@code
 *     BatchPrefetch})
 * @param linger how long the relay waits after committing a batch that was not full before it
 *     reads the next; zero reads at once
 * @param openTelemetry traces the batches and their records
 */
public record RelaySettings(
    JdbcEventStore store,
    Map<String, Object> producerSettings,
    Map<String, Object> rawSettings,
    Duration transactionTimeout,
    TopicRouter router,
    String positionTopic,
    Optional<Integer> partitions,
    Optional<Short> replication,
    Map<String, String> eventTopicConfig,
    int batchSize,
    Duration pollInterval,
    Duration initialBackoff,
    Duration maxBackoff,
    String transactionalId,
    Optional<String> replacesTransactionalId,
    String source,
    MeterRegistry meters,
    boolean listen,
    Duration stalenessBound,
    Runnable afterSends,
    Runnable afterKafkaCommit,
    Runnable afterPrefetch,
    boolean readAhead,
    Duration linger,
    OpenTelemetry openTelemetry) {}
