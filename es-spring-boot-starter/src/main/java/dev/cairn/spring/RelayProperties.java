package dev.cairn.spring;

import dev.cairn.api.spi.Checks;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** The relay that publishes the store's events to Kafka; its Kafka client settings come from {@code spring.kafka.*}. */
public class RelayProperties {
  /** Whether the relay runs in this application. */
  private boolean enabled;
  /** Whether the application refuses to start while Kafka cannot be reached (by default it starts and the relay connects later). */
  private boolean requireOnStart;
  /** How long the start-up check waits for Kafka when require-on-start is set. */
  private Duration requireOnStartTimeout = Duration.ofSeconds(10);
  /** Partitions of the event topics the relay creates (by default the relay's). */
  private @Nullable Integer partitions;
  /** Replication factor of the topics the relay creates (by default the relay's). */
  private @Nullable Integer replicationFactor;
  /** Prefix of the event topics' names (the stream type follows it). */
  private String topicPrefix = "";
  /** Events per Kafka transaction. */
  private int batchSize = 500;
  /** The relay's stable Kafka transactional id; by default derived from the store's schema and prefix. */
  private @Nullable String transactionalId;
  /** Age of the oldest unpublished event past which the relay is DEGRADED. */
  private Duration stalenessBound = Duration.ofSeconds(30);
  /** How often the relay polls the store when no append woke it, and how often a standby relay tries the lock. */
  private Duration pollInterval = Duration.ofSeconds(1);
  /** Longest pause between retries after a failure (pauses start at 100 ms and double). */
  private Duration maxBackoff = Duration.ofSeconds(30);
  /** How long the event topics the relay creates keep records; by default forever, since replays read them from the start. */
  private @Nullable Duration retention;
  /** The CloudEvents source of the records; by default cairn://<schema>. */
  private @Nullable String source;
  /** The transactional id of the relay this one takes over from, when the id changes; by default a relay with another id is refused. */
  private @Nullable String replacesTransactionalId;
  /** Whether the next batch is read while the previous batch's Kafka transaction commits. */
  private boolean readAhead;
  /** How long the relay waits, after committing a batch that was not full, before it reads the next (0 to 1 s). */
  private Duration linger = Duration.ZERO;

  /**
   * Tells whether the relay runs.
   *
   * @return whether it runs
   */
  public boolean isEnabled() {
    return enabled;
  }

  /**
   * Sets whether the relay runs.
   *
   * @param enabled true to run it
   */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /**
   * Tells whether Kafka must answer at start.
   *
   * @return whether it must
   */
  public boolean isRequireOnStart() {
    return requireOnStart;
  }

  /**
   * Sets whether Kafka must answer at start.
   *
   * @param requireOnStart true to refuse starting without Kafka
   */
  public void setRequireOnStart(boolean requireOnStart) {
    this.requireOnStart = requireOnStart;
  }

  /**
   * Returns how long the start-up check waits.
   *
   * @return the timeout
   */
  public Duration getRequireOnStartTimeout() {
    return requireOnStartTimeout;
  }

  /**
   * Sets how long the start-up check waits.
   *
   * @param requireOnStartTimeout a positive duration
   * @throws IllegalArgumentException if not positive
   */
  public void setRequireOnStartTimeout(Duration requireOnStartTimeout) {
    this.requireOnStartTimeout = Checks.positive("cairn.relay.require-on-start-timeout", requireOnStartTimeout);
  }

  /**
   * Returns the partitions of new topics, if set.
   *
   * @return the count or null (the relay's default)
   */
  public @Nullable Integer getPartitions() {
    return partitions;
  }

  /**
   * Sets the partitions of new topics.
   *
   * @param partitions more than 0
   * @throws IllegalArgumentException if not positive
   */
  public void setPartitions(@Nullable Integer partitions) {
    this.partitions = partitions == null ? null : Checks.positive("cairn.relay.partitions", partitions);
  }

  /**
   * Returns the replication factor of new topics, if set.
   *
   * @return the factor or null (the relay's default)
   */
  public @Nullable Integer getReplicationFactor() {
    return replicationFactor;
  }

  /**
   * Sets the replication factor of new topics.
   *
   * @param replicationFactor more than 0
   * @throws IllegalArgumentException if not positive
   */
  public void setReplicationFactor(@Nullable Integer replicationFactor) {
    this.replicationFactor = replicationFactor == null ? null : Checks.positive("cairn.relay.replication-factor", replicationFactor);
  }

  /**
   * Returns the topic prefix.
   *
   * @return the prefix, possibly empty
   */
  public String getTopicPrefix() {
    return topicPrefix;
  }

  /**
   * Sets the topic prefix.
   *
   * @param topicPrefix the prefix
   */
  public void setTopicPrefix(String topicPrefix) {
    this.topicPrefix = topicPrefix;
  }

  /**
   * Returns the batch size.
   *
   * @return events per transaction
   */
  public int getBatchSize() {
    return batchSize;
  }

  /**
   * Sets the batch size.
   *
   * @param batchSize more than 0
   * @throws IllegalArgumentException if not positive
   */
  public void setBatchSize(int batchSize) {
    this.batchSize = Checks.positive("cairn.relay.batch-size", batchSize);
  }

  /**
   * Returns the transactional id, if set.
   *
   * @return the id or null
   */
  public @Nullable String getTransactionalId() {
    return transactionalId;
  }

  /**
   * Sets the transactional id.
   *
   * @param transactionalId the id
   */
  public void setTransactionalId(@Nullable String transactionalId) {
    this.transactionalId = transactionalId;
  }

  /**
   * Returns the staleness bound.
   *
   * @return the bound
   */
  public Duration getStalenessBound() {
    return stalenessBound;
  }

  /**
   * Sets the staleness bound.
   *
   * @param stalenessBound a positive duration
   * @throws IllegalArgumentException if not positive
   */
  public void setStalenessBound(Duration stalenessBound) {
    this.stalenessBound = Checks.positive("cairn.relay.staleness-bound", stalenessBound);
  }

  /**
   * Returns the poll interval.
   *
   * @return the interval
   */
  public Duration getPollInterval() {
    return pollInterval;
  }

  /**
   * Sets the poll interval.
   *
   * @param pollInterval a positive duration
   * @throws IllegalArgumentException if not positive
   */
  public void setPollInterval(Duration pollInterval) {
    this.pollInterval = Checks.positive("cairn.relay.poll-interval", pollInterval);
  }

  /**
   * Returns the longest pause between retries.
   *
   * @return the cap
   */
  public Duration getMaxBackoff() {
    return maxBackoff;
  }

  /**
   * Sets the longest pause between retries.
   *
   * @param maxBackoff a positive duration
   * @throws IllegalArgumentException if not positive
   */
  public void setMaxBackoff(Duration maxBackoff) {
    this.maxBackoff = Checks.positive("cairn.relay.max-backoff", maxBackoff);
  }

  /**
   * Returns the event topics' retention, if set.
   *
   * @return the retention or null (forever)
   */
  public @Nullable Duration getRetention() {
    return retention;
  }

  /**
   * Sets the event topics' retention.
   *
   * @param retention a positive duration, or null for forever
   * @throws IllegalArgumentException if not positive
   */
  public void setRetention(@Nullable Duration retention) {
    this.retention = retention == null ? null : Checks.positive("cairn.relay.retention", retention);
  }

  /**
   * Returns the records' CloudEvents source, if set.
   *
   * @return the source or null
   */
  public @Nullable String getSource() {
    return source;
  }

  /**
   * Sets the records' CloudEvents source.
   *
   * @param source a URI reference, or null for the default
   */
  public void setSource(@Nullable String source) {
    this.source = source;
  }

  /**
   * Returns the transactional id this relay takes over from, if set.
   *
   * @return the id or null
   */
  public @Nullable String getReplacesTransactionalId() {
    return replacesTransactionalId;
  }

  /**
   * Sets the transactional id this relay takes over from.
   *
   * @param replacesTransactionalId the previous relay's id, or null
   */
  public void setReplacesTransactionalId(@Nullable String replacesTransactionalId) {
    this.replacesTransactionalId = replacesTransactionalId;
  }

  /**
   * Tells whether the relay reads ahead.
   *
   * @return whether it does
   */
  public boolean isReadAhead() {
    return readAhead;
  }

  /**
   * Sets whether the relay reads the next batch while the previous one commits.
   *
   * @param readAhead true to read ahead
   */
  public void setReadAhead(boolean readAhead) {
    this.readAhead = readAhead;
  }

  /**
   * Returns the linger.
   *
   * @return the linger
   */
  public Duration getLinger() {
    return linger;
  }

  /**
   * Sets the linger.
   *
   * @param linger 0 to 1 s
   * @throws IllegalArgumentException if negative or above 1 s
   */
  public void setLinger(Duration linger) {
    this.linger = Checks.between("cairn.relay.linger", linger, Duration.ZERO, Duration.ofSeconds(1));
  }
}
