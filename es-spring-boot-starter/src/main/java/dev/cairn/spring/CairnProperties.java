package dev.cairn.spring;

import dev.cairn.api.spi.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code cairn.*} properties. Every setter checks its value at once, so that a bad value stops
 * the application at startup with a message that names the property, the value and the rule.
 */
@ConfigurationProperties("cairn")
public class CairnProperties {

  private final Store store = new Store();
  private final Relay relay = new Relay();
  private final Projections projections = new Projections();
  private final Map<String, Aggregate> aggregates = new LinkedHashMap<>();
  private final HealthMapping health = new HealthMapping();
  private final Admin admin = new Admin();

  /**
   * Returns the event store's settings.
   *
   * @return the settings
   */
  public Store getStore() {
    return store;
  }

  /**
   * Returns the relay's settings.
   *
   * @return the settings
   */
  public Relay getRelay() {
    return relay;
  }

  /**
   * Returns the projection runners' settings.
   *
   * @return the settings
   */
  public Projections getProjections() {
    return projections;
  }

  /**
   * Returns the per-aggregate repository settings, keyed by stream type.
   *
   * @return the settings
   */
  public Map<String, Aggregate> getAggregates() {
    return aggregates;
  }

  /**
   * Returns how Cairn's health maps to Actuator's.
   *
   * @return the settings
   */
  public HealthMapping getHealth() {
    return health;
  }

  /**
   * Returns the admin API's settings.
   *
   * @return the settings
   */
  public Admin getAdmin() {
    return admin;
  }

  /** The event store made from the application's {@code DataSource}. */
  public static class Store {
    /** Schema of the store's tables, created if missing; matches [a-z_][a-z0-9_]*. */
    private String schema = "public";
    /** Prefix of the store's table names, e.g. cairn_; matches [a-z_][a-z0-9_]* (or empty). */
    private String tablePrefix = "";
    /** Whether every append is announced on LISTEN/NOTIFY, waking relays and runners in other processes. */
    private boolean notifyOnAppend = true;
    /** Largest payload one event may have, in bytes of UTF-8 JSON. */
    private int maxEventBytes = 1048576;
    /** Whether the store's, the relay's and the projections' tables are created or upgraded on start. */
    private boolean migrate = true;
    /** How long committed events may wait behind an open appender before the store is DEGRADED. */
    private Duration fenceHeldThreshold = Duration.ofSeconds(10);

    /**
     * Returns the schema.
     *
     * @return the schema
     */
    public String getSchema() {
      return schema;
    }

    /**
     * Sets the schema.
     *
     * @param schema a name matching {@code [a-z_][a-z0-9_]*}
     * @throws IllegalArgumentException if it does not
     */
    public void setSchema(String schema) {
      this.schema = Checks.sqlIdentifier("cairn.store.schema", schema);
    }

    /**
     * Returns the table prefix.
     *
     * @return the prefix, possibly empty
     */
    public String getTablePrefix() {
      return tablePrefix;
    }

    /**
     * Sets the table prefix.
     *
     * @param tablePrefix empty, or a prefix matching {@code [a-z_][a-z0-9_]*}
     * @throws IllegalArgumentException if it does not
     */
    public void setTablePrefix(String tablePrefix) {
      this.tablePrefix = tablePrefix.isEmpty() ? "" : Checks.sqlIdentifier("cairn.store.table-prefix", tablePrefix);
    }

    /**
     * Tells whether appends are announced.
     *
     * @return whether appends are announced
     */
    public boolean isNotifyOnAppend() {
      return notifyOnAppend;
    }

    /**
     * Sets whether appends are announced.
     *
     * @param notifyOnAppend true to announce
     */
    public void setNotifyOnAppend(boolean notifyOnAppend) {
      this.notifyOnAppend = notifyOnAppend;
    }

    /**
     * Returns the largest event payload.
     *
     * @return bytes
     */
    public int getMaxEventBytes() {
      return maxEventBytes;
    }

    /**
     * Sets the largest event payload.
     *
     * @param maxEventBytes bytes, more than 0
     * @throws IllegalArgumentException if not positive
     */
    public void setMaxEventBytes(int maxEventBytes) {
      this.maxEventBytes = Checks.positive("cairn.store.max-event-bytes", maxEventBytes);
    }

    /**
     * Tells whether migrations run on start.
     *
     * @return whether they run
     */
    public boolean isMigrate() {
      return migrate;
    }

    /**
     * Sets whether migrations run on start.
     *
     * @param migrate false when the schema is managed elsewhere
     */
    public void setMigrate(boolean migrate) {
      this.migrate = migrate;
    }

    /**
     * Returns the fence threshold.
     *
     * @return the threshold
     */
    public Duration getFenceHeldThreshold() {
      return fenceHeldThreshold;
    }

    /**
     * Sets the fence threshold.
     *
     * @param fenceHeldThreshold a positive duration
     * @throws IllegalArgumentException if not positive
     */
    public void setFenceHeldThreshold(Duration fenceHeldThreshold) {
      this.fenceHeldThreshold = Checks.positive("cairn.store.fence-held-threshold", fenceHeldThreshold);
    }
  }

  /** The relay that publishes the store's events to Kafka; its Kafka client settings come from {@code spring.kafka.*}. */
  public static class Relay {
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
  }

  /** Where a projection runner reads its events. */
  public enum Source {
    /** The store's global order: no Kafka needed. */
    STORE,
    /** Kafka topics the relay writes, as one member of a consumer group. */
    KAFKA
  }

  /**
   * Settings of a projection runner. Under {@code cairn.projections} they apply to every
   * projection; under {@code cairn.projections.named.<name>} an unset one falls back to those.
   */
  public static class Runner {
    /** Where the runner reads: store or kafka. */
    private @Nullable Source source;
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
    public @Nullable Source getSource() {
      return source;
    }

    /**
     * Sets the source.
     *
     * @param source the source
     */
    public void setSource(@Nullable Source source) {
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

  /** The runners of the application's {@code Projection} beans. */
  public static class Projections extends Runner {
    /** Whether every Projection bean is installed and run. */
    private boolean enabled = true;
    /** Settings of one projection, by its name; unset values fall back to cairn.projections.*. */
    private final Map<String, Runner> named = new LinkedHashMap<>();

    /** Creates the defaults: store-fed runners. */
    public Projections() {
      setSource(Source.STORE);
    }

    /**
     * Tells whether projections run.
     *
     * @return whether they run
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether projections run.
     *
     * @param enabled true to run them
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns the per-projection settings.
     *
     * @return the settings by projection name
     */
    public Map<String, Runner> getNamed() {
      return named;
    }
  }

  /** Repository settings of one aggregate; unset values keep the repository's defaults. */
  public static class Aggregate {
    /** Aggregates the cache holds (0 turns it off). */
    private @Nullable Long cacheSize;
    /** Events past the last snapshot before another is taken. */
    private @Nullable Integer snapshotEvery;
    /** Whether snapshots are taken (they need the registration's state class). */
    private boolean snapshots = true;
    /** Retries of a command that lost a race. */
    private @Nullable Integer maxRetries;

    /**
     * Returns the cache size, if set.
     *
     * @return the size or null
     */
    public @Nullable Long getCacheSize() {
      return cacheSize;
    }

    /**
     * Sets the cache size.
     *
     * @param cacheSize 0 or more
     * @throws IllegalArgumentException if negative
     */
    public void setCacheSize(@Nullable Long cacheSize) {
      if (cacheSize != null && cacheSize < 0) {
        throw new IllegalArgumentException("cache-size must be >= 0 but was " + cacheSize);
      }
      this.cacheSize = cacheSize;
    }

    /**
     * Returns the snapshot interval, if set.
     *
     * @return the interval or null
     */
    public @Nullable Integer getSnapshotEvery() {
      return snapshotEvery;
    }

    /**
     * Sets the snapshot interval.
     *
     * @param snapshotEvery more than 0
     * @throws IllegalArgumentException if not positive
     */
    public void setSnapshotEvery(@Nullable Integer snapshotEvery) {
      this.snapshotEvery = snapshotEvery == null ? null : Checks.positive("snapshot-every", snapshotEvery);
    }

    /**
     * Tells whether snapshots are taken.
     *
     * @return whether they are
     */
    public boolean isSnapshots() {
      return snapshots;
    }

    /**
     * Sets whether snapshots are taken.
     *
     * @param snapshots false to turn them off
     */
    public void setSnapshots(boolean snapshots) {
      this.snapshots = snapshots;
    }

    /**
     * Returns the retries, if set.
     *
     * @return the retries or null
     */
    public @Nullable Integer getMaxRetries() {
      return maxRetries;
    }

    /**
     * Sets the retries.
     *
     * @param maxRetries 0 or more
     * @throws IllegalArgumentException if negative
     */
    public void setMaxRetries(@Nullable Integer maxRetries) {
      if (maxRetries != null && maxRetries < 0) {
        throw new IllegalArgumentException("max-retries must be >= 0 but was " + maxRetries);
      }
      this.maxRetries = maxRetries;
    }
  }

  /** How Cairn's health maps to Actuator's. */
  public static class HealthMapping {
    /** Actuator status for a DEGRADED component (UP, or a custom status the application orders in management.endpoint.health.status.order). */
    private String degradedStatus = "UP";

    /**
     * Returns the status a DEGRADED component reports.
     *
     * @return the status code
     */
    public String getDegradedStatus() {
      return degradedStatus;
    }

    /**
     * Sets the status a DEGRADED component reports.
     *
     * @param degradedStatus a status code such as {@code UP} or {@code DEGRADED}
     * @throws IllegalArgumentException if blank
     */
    public void setDegradedStatus(String degradedStatus) {
      if (degradedStatus.isBlank()) {
        throw new IllegalArgumentException("cairn.health.degraded-status must not be blank");
      }
      this.degradedStatus = degradedStatus.strip();
    }
  }

  /** es-admin's API and console, mounted on the application's Spring MVC server. */
  public static class Admin {
    /** Whether the admin API and console are served (needs es-admin and Spring MVC). */
    private boolean enabled;
    /** Path of the console; the API lives under it, at /api. */
    private String basePath = "/cairn";
    /** Bearer token for mutating requests; without one the server must listen on loopback only. */
    private @Nullable String token;
    /** Whether reads need the token too. */
    private boolean protectReads;

    /**
     * Tells whether the admin API is served.
     *
     * @return whether it is
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether the admin API is served.
     *
     * @param enabled true to serve it
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns the base path.
     *
     * @return the path
     */
    public String getBasePath() {
      return basePath;
    }

    /**
     * Sets the base path.
     *
     * @param basePath a path like {@code /cairn}
     * @throws IllegalArgumentException if it does not start with a slash or ends with one
     */
    public void setBasePath(String basePath) {
      if (!basePath.startsWith("/") || basePath.endsWith("/")) {
        throw new IllegalArgumentException("cairn.admin.base-path must be like /cairn (a leading slash, no trailing one) but was " + basePath);
      }
      this.basePath = basePath;
    }

    /**
     * Returns the token, if set.
     *
     * @return the token or null
     */
    public @Nullable String getToken() {
      return token;
    }

    /**
     * Sets the token.
     *
     * @param token at least 16 visible ASCII characters
     */
    public void setToken(@Nullable String token) {
      this.token = token == null || token.isEmpty() ? null : token;
    }

    /**
     * Tells whether reads need the token.
     *
     * @return whether they do
     */
    public boolean isProtectReads() {
      return protectReads;
    }

    /**
     * Sets whether reads need the token.
     *
     * @param protectReads true to protect reads
     */
    public void setProtectReads(boolean protectReads) {
      this.protectReads = protectReads;
    }
  }
}
