package dev.cairn.spring;

import dev.cairn.api.spi.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Settings of a projection runner. Under {@code cairn.projections} they apply to every
 * projection; under {@code cairn.projections.named.<name>} an unset one falls back to those.
 */
public class RunnerProperties {
  /** Where the runner reads: store or kafka. */
  private @Nullable ProjectionSource source;
  /** Attempts at an event before it is parked in the dead letters. */
  private @Nullable Integer maxAttempts;
  /** Wait before the second attempt; it doubles up to max-backoff. */
  private @Nullable Duration initialBackoff;
  /** Longest wait between attempts. */
  private @Nullable Duration maxBackoff;
  /** Whether the later events of an aggregate wait behind its parked event. */
  private @Nullable Boolean streamWaitsBehindParked;
  /** Age of the oldest unapplied event past which the runner is DEGRADED. */
  private @Nullable Duration staleAfter;
  /** Kafka topics a Kafka-fed runner reads; by default the topics of every declared aggregate. */
  private List<String> topics = new ArrayList<>();
  /** Consumer group of a Kafka-fed runner; by default cairn-NAME-vVERSION. */
  private @Nullable String groupId;

  /**
   * Returns the source, if set.
   *
   * @return the source or null
   */
  public @Nullable ProjectionSource getSource() {
    return source;
  }

  /**
   * Sets the source.
   *
   * @param source the source
   */
  public void setSource(@Nullable ProjectionSource source) {
    this.source = source;
  }

  /**
   * Returns the attempts, if set.
   *
   * @return the attempts or null
   */
  public @Nullable Integer getMaxAttempts() {
    return maxAttempts;
  }

  /**
   * Sets the attempts.
   *
   * @param maxAttempts 1 or more
   * @throws IllegalArgumentException if below 1
   */
  public void setMaxAttempts(@Nullable Integer maxAttempts) {
    this.maxAttempts = maxAttempts == null ? null : Checks.positive("max-attempts", maxAttempts);
  }

  /**
   * Returns the first backoff, if set.
   *
   * @return the backoff or null
   */
  public @Nullable Duration getInitialBackoff() {
    return initialBackoff;
  }

  /**
   * Sets the first backoff.
   *
   * @param initialBackoff a positive duration
   * @throws IllegalArgumentException if not positive
   */
  public void setInitialBackoff(@Nullable Duration initialBackoff) {
    this.initialBackoff = initialBackoff == null ? null : Checks.positive("initial-backoff", initialBackoff);
  }

  /**
   * Returns the longest backoff, if set.
   *
   * @return the backoff or null
   */
  public @Nullable Duration getMaxBackoff() {
    return maxBackoff;
  }

  /**
   * Sets the longest backoff.
   *
   * @param maxBackoff a positive duration
   * @throws IllegalArgumentException if not positive
   */
  public void setMaxBackoff(@Nullable Duration maxBackoff) {
    this.maxBackoff = maxBackoff == null ? null : Checks.positive("max-backoff", maxBackoff);
  }

  /**
   * Tells whether an aggregate waits behind its parked event, if set.
   *
   * @return the policy or null
   */
  public @Nullable Boolean getStreamWaitsBehindParked() {
    return streamWaitsBehindParked;
  }

  /**
   * Sets whether an aggregate waits behind its parked event.
   *
   * @param streamWaitsBehindParked the policy
   */
  public void setStreamWaitsBehindParked(@Nullable Boolean streamWaitsBehindParked) {
    this.streamWaitsBehindParked = streamWaitsBehindParked;
  }

  /**
   * Returns the staleness bound, if set.
   *
   * @return the bound or null
   */
  public @Nullable Duration getStaleAfter() {
    return staleAfter;
  }

  /**
   * Sets the staleness bound.
   *
   * @param staleAfter a positive duration
   * @throws IllegalArgumentException if not positive
   */
  public void setStaleAfter(@Nullable Duration staleAfter) {
    this.staleAfter = staleAfter == null ? null : Checks.positive("stale-after", staleAfter);
  }

  /**
   * Returns the topics.
   *
   * @return the topics, empty for the default
   */
  public List<String> getTopics() {
    return topics;
  }

  /**
   * Sets the topics.
   *
   * @param topics the topics
   */
  public void setTopics(List<String> topics) {
    this.topics = new ArrayList<>(topics);
  }

  /**
   * Returns the consumer group, if set.
   *
   * @return the group or null
   */
  public @Nullable String getGroupId() {
    return groupId;
  }

  /**
   * Sets the consumer group.
   *
   * @param groupId the group
   */
  public void setGroupId(@Nullable String groupId) {
    this.groupId = groupId;
  }
}
