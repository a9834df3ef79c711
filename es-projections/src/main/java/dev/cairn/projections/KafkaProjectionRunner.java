package dev.cairn.projections;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.spi.Checks;
import dev.cairn.projections.internal.BatchPlan;
import dev.cairn.projections.internal.OffsetStore;
import dev.cairn.projections.internal.PartitionOwnership;
import dev.cairn.projections.internal.ReplayPoints;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds a projection version from Kafka topics as one member of a consumer group ({@code
 * read_committed}, no auto commit). Per partition, the next offset and the last global position
 * live in a table of ours and commit in the same database transaction as the read-model changes.
 * On assignment the runner takes each partition's row by bumping its generation and seeks to the
 * stored offset; every commit is a compare-and-set on (generation, owner), so a runner that lost a
 * partition (rebalance, zombie, retired version) cannot commit. Offsets are also committed to
 * Kafka afterwards, for lag tools only: at most once a second while batches keep coming, and
 * whenever the runner runs out of records, stops or hands a partition over.
 *
 * <p>Records whose global position is not after the partition's last one are skipped: that makes
 * the hand-over from a store-fed runner (a rebuild, say) of the same version exact. The first
 * claim of the version's partitions copies the store-fed checkpoint and, in the same transaction,
 * fences the store-fed runner, which stops in state {@link RunnerState#HANDED_OVER}; both may run
 * while this happens. Each partition taken over that way is read from a {@linkplain
 * Builder#handoverMargin margin} before the checkpoint's event was recorded (Kafka's {@code
 * offsetsForTimes}), not from offset 0.
 *
 * <p>Records not in Cairn's format are parked at once in the {@linkplain DeadLetters dead letters}
 * with their raw key, headers and value, in the batch's transaction (the failure policy is not
 * asked: reading the same bytes again cannot succeed), and the partition goes on.
 *
 * <p>A partition assigned while its row could not be claimed (the database was down) is held
 * paused at its position and claimed again with a backoff; meanwhile it is listed in {@link
 * ProjectionStatus#unclaimed()}, counted in the lag, and the runner is down in its {@link
 * #health()}. The runner is a static member of its group ({@link Builder#instanceId}): an instance
 * restarted after a crash gets its partitions back at once instead of after the session timeout;
 * {@link #stop()} leaves the group, so that the others take its partitions at once.
 */
public final class KafkaProjectionRunner extends AbstractRunner {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaProjectionRunner.class);

  private final Map<String, Object> config;
  private final List<String> topics;
  private final int maxBatchRecords;
  private final Duration maxBatchTime;
  private final Duration linger;
  private final Duration pollTimeout;
  private final OffsetStore offsets;
  private final ReplayPoints replayPoints;
  /** The consumer, its partitions' ownership and the batch commit: made by {@link #init()}, on the runner's thread. */
  private @Nullable KafkaConsumer<String, byte[]> consumer;
  private @Nullable PartitionOwnership ownership;
  private @Nullable KafkaBatchCommit batches;
  private volatile boolean resyncRequested;
  private long lastIdleCheck = System.nanoTime();
  private final String instanceId;
  private final KafkaLiveness kafkaLiveness;
  private volatile boolean abandon;

  private KafkaProjectionRunner(Builder b) {
    super(b);
    this.config = KafkaRunnerConfig.of(spec, b.config, b.maxBatchRecords, b.instanceId);
    this.topics = List.copyOf(b.topics);
    this.maxBatchRecords = b.maxBatchRecords;
    this.maxBatchTime = b.maxBatchTime;
    this.linger = b.linger;
    this.pollTimeout = b.pollTimeout;
    // KafkaRunnerConfig.of always sets it
    this.instanceId =
        requireNonNull(config.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), "group.instance.id").toString();
    Sql sql = manager.sql();
    this.offsets =
        new OffsetStore(
            manager.jdbi(), sql.offsets, sql.checkpoints, spec, owner, Sql.RETIRED_OWNER, Sql.REPLAY_OWNER, sql.events,
            Sql.HANDED_OVER_OWNER, b.handoverMargin, sql.versions);
    this.replayPoints = new ReplayPoints(() -> KafkaAdmins.open(config), topics);
    this.kafkaLiveness = new KafkaLiveness(this, topics);
  }

  @Override
  void init() {
    manager.requireInstalled(spec);
    KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config);
    this.consumer = consumer;
    PartitionOwnership ownership =
        new PartitionOwnership(
            offsets, consumer, positions, applier::forgetRetries, this::forgetLag, () -> beforeResync.run(),
            () -> new Fenced("projection " + spec + " is retired"), spec);
    this.ownership = ownership;
    KafkaBatchCommit batches = new KafkaBatchCommit(this, offsets, ownership, consumer, kafkaLiveness);
    this.batches = batches;
    // Kafka's copy of a revoked partition's offset goes with it, while this member still holds it.
    consumer.subscribe(topics, ownership.listener(batches::handOver));
  }

  // init() runs on the runner's thread before any batch or pause: these are set from then on.

  private KafkaConsumer<String, byte[]> consumer() {
    return requireNonNull(consumer, "consumer");
  }

  private PartitionOwnership ownership() {
    return requireNonNull(ownership, "ownership");
  }

  private KafkaBatchCommit batches() {
    return requireNonNull(batches, "batches");
  }

  @Override
  boolean step() {
    PartitionOwnership ownership = ownership();
    KafkaConsumer<String, byte[]> consumer = consumer();
    if (ownership.retired()) {
      throw new Fenced("projection " + spec + " is retired");
    }
    ownership.resumeAll();
    if (resyncRequested) {
      resyncRequested = false;
      ownership.resync(consumer.assignment());
    }
    ownership.reconcile();
    kafkaLiveness.unclaimed(ownership);
    long pollStart = System.nanoTime();
    List<ConsumerRecord<String, byte[]>> batch;
    try {
      batch = BatchPlan.poll(consumer, maxBatchRecords, maxBatchTime, linger, pollTimeout);
    } catch (FencedInstanceIdException e) {
      // Fatal for the consumer: retrying would only fence the other instance back and forth.
      throw new BatchApplier.FailVerdict(
          "runner of " + spec + " was fenced: another consumer joined group " + config.get(ConsumerConfig.GROUP_ID_CONFIG)
              + " with the same group.instance.id " + instanceId + "; give each instance its own instance id",
          e);
    }
    ownership.holdBack(batch);
    kafkaLiveness.polled(batch, ownership);
    kafkaLiveness.checkAssignment(consumer);
    if (batch.isEmpty()) {
      idle(pollStart);
      return false;
    }
    batches().commit(batch);
    measureLag(pollStart);
    return true;
  }

  private void idle(long pollStart) {
    if (kafkaCommitWhenIdle) {
      batches().commitToKafka();
    }
    measureLag(pollStart);
    if (System.nanoTime() - lastIdleCheck > 1_000_000_000L) {
      lastIdleCheck = System.nanoTime();
      // A replay by another process moves the generation; an idle runner notices it here.
      ownership().resyncStale();
    }
  }

  private void measureLag(long pollStart) {
    if (kafkaLiveness.measureLag(consumer(), ownership())) {
      caughtUp(pollStart);
    }
  }

  /** How often, at most, a busy runner commits its offsets to Kafka as well (a test sets it longer). */
  volatile Duration kafkaCommitInterval = Duration.ofSeconds(1);

  /** Whether a runner out of records commits its offsets to Kafka at once (a test turns it off). */
  volatile boolean kafkaCommitWhenIdle = true;

  /** A test hook run before the partitions' rows are read again; a throw stands for a database that is down. */
  private volatile Runnable beforeResync = () -> {};

  void beforeResync(Runnable hook) {
    this.beforeResync = hook;
  }

  @Override
  void whilePaused() {
    PartitionOwnership ownership = ownership();
    KafkaConsumer<String, byte[]> consumer = consumer();
    ownership.pauseAll();
    // Polling keeps the group membership; paused partitions return nothing.
    ConsumerRecords<String, byte[]> records = consumer.poll(pollTimeout);
    if (!records.isEmpty()) {
      ownership.resync(records.partitions());
      consumer.pause(consumer.assignment());
    }
  }

  @Override
  void awaitWork(Duration max) {
    // poll() itself waits for records.
  }

  @Override
  void shutdown() {
    InstanceIds.release(instanceId);
    if (consumer != null) {
      if (!abandon && batches != null) {
        try {
          // Closing waits for the commit (up to its timeout).
          batches.commitToKafka();
        } catch (RuntimeException e) {
          LOG.debug("runner {} of {}: informational Kafka commit at stop failed", owner, spec, e);
        }
      }
      // A stop hands the partitions over at once; a static member that just closed would keep
      // them until its session times out. The test hook closes as a crash would: without a word.
      consumer.close(
          CloseOptions.groupMembershipOperation(
              abandon ? CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP : CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }
  }

  /** Stops the runner as a crash would, without leaving the consumer group (for tests). */
  void crash() {
    abandon = true;
    stop();
  }

  /**
   * Returns the consumer group's static member id of this runner ({@code group.instance.id}).
   *
   * @return the instance id
   */
  public String instanceId() {
    return instanceId;
  }

  @Override
  List<String> unclaimed() {
    return kafkaLiveness.unclaimedNames();
  }

  @Override
  @Nullable Instant waitingForPartitionsSince() {
    return kafkaLiveness.waitingSince();
  }

  @Override
  Duration pollInterval() {
    return pollTimeout;
  }

  @Override
  String source() {
    return "kafka:" + String.join(",", topics);
  }

  /**
   * Replays the projection from the start of its topics: empties this version's tables and dead
   * letters and resets every partition's offset, in one transaction with no batch in flight. The
   * runners of the group (in any process) notice the new generation and seek.
   */
  public void replayFromBeginning() {
    replayFrom(Map.of());
  }

  /**
   * Replays the projection from the first record at or after an instant in each partition (Kafka's
   * {@code offsetsForTimes}); a partition with no such record starts at its end.
   *
   * @param from the instant
   */
  public void replayFrom(Instant from) {
    requireNonNull(from, "from");
    replayFrom(replayPoints.at(from));
  }

  /**
   * Replays the projection from given offsets; partitions not named start from their beginning.
   *
   * @param offsets the next offset to apply, per partition
   */
  public void replayFrom(Map<TopicPartition, Long> offsets) {
    requireNonNull(offsets, "offsets");
    Map<TopicPartition, Long> all = replayPoints.startingAt(offsets);
    applier.forgetRetries();
    manager.jdbi()
        .useTransaction(
            h -> {
              Sql.lockVersion(h, spec, true);
              manager.sql().truncate(h, spec);
              this.offsets.reset(h, all);
            });
    resyncRequested = true;
    LOG.info("projection {} replays from {}", spec, all);
  }

  @Override
  String replay(Map<String, Object> arguments) {
    if (arguments.containsKey("position")) {
      throw new IllegalArgumentException(
          "runner of " + spec + " reads Kafka: replay it from offsets or an instant, not from a global position");
    }
    if (arguments.get("offsets") instanceof Map<?, ?> given) {
      Map<TopicPartition, Long> offsets = new java.util.HashMap<>();
      for (Map.Entry<?, ?> e : given.entrySet()) {
        String key = String.valueOf(e.getKey());
        int dash = key.lastIndexOf('-');
        offsets.put(
            new TopicPartition(key.substring(0, dash), Integer.parseInt(key.substring(dash + 1))),
            ((Number) e.getValue()).longValue());
      }
      replayFrom(offsets);
      return "replaying from offsets " + new java.util.TreeMap<>(given.entrySet().stream()
          .collect(java.util.stream.Collectors.toMap(e -> String.valueOf(e.getKey()), e -> String.valueOf(e.getValue()))))
          + ", other partitions from the beginning";
    }
    String from = String.valueOf(arguments.getOrDefault("from", "beginning"));
    if (from.equals("beginning")) {
      replayFromBeginning();
      return "replaying from the beginning";
    }
    Instant at = Instant.parse(from);
    replayFrom(at);
    return "replaying from " + at;
  }

  /** Configures a {@link KafkaProjectionRunner}; each setter checks its argument at once. */
  public static final class Builder extends RunnerBuilder<Builder> {
    private final Map<String, Object> config;
    private final List<String> topics;
    private int maxBatchRecords = 500;
    private Duration maxBatchTime = Duration.ofMillis(200);
    private Duration linger = Duration.ZERO;
    private Duration pollTimeout = Duration.ofMillis(100);
    private Duration handoverMargin = Duration.ofMinutes(5);
    private @Nullable String instanceId;

    Builder(Projection projection, ProjectionManager manager, Map<String, Object> config, Collection<String> topics) {
      super(projection, manager);
      this.config = Map.copyOf(requireNonNull(config, "consumerConfig"));
      this.topics = List.copyOf(requireNonNull(topics, "topics"));
      if (this.topics.isEmpty()) {
        throw new IllegalArgumentException("a Kafka runner of " + projection.spec() + " needs at least one topic");
      }
    }

    @Override
    Builder self() {
      return this;
    }

    /**
     * Sets the most records per batch (default 500).
     *
     * @param value positive
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxBatchRecords(int value) {
      this.maxBatchRecords = set.once("max batch records", Checks.positive("max batch records", value));
      return this;
    }

    /** Sets the most records per batch unless the caller did: a rebuild's default, larger than a runner's. */
    Builder maxBatchRecordsUnlessSet(int value) {
      if (!set.isSet("max batch records")) {
        this.maxBatchRecords = value;
      }
      return this;
    }

    /**
     * Sets the longest time a batch fills before it is applied (default 200 ms).
     *
     * @param value the time
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxBatchTime(Duration value) {
      this.maxBatchTime = set.once("max batch time", Checks.positive("max batch time", value));
      return this;
    }

    /**
     * Sets how long a batch that already holds records waits for more before it is applied
     * (default zero: it takes what has arrived and goes). A linger trades latency for bigger
     * batches under light load; the batch still ends at {@link #maxBatchTime} or {@link
     * #maxBatchRecords}.
     *
     * @param value zero or more
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if negative
     */
    public Builder linger(Duration value) {
      this.linger = set.once("linger", Checks.notNegative("linger", value));
      return this;
    }

    /**
     * Sets how long one poll waits for records (default 100 ms).
     *
     * @param value the time
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if not positive
     */
    public Builder pollTimeout(Duration value) {
      this.pollTimeout = set.once("poll timeout", Checks.positive("poll timeout", value));
      return this;
    }

    /**
     * Sets how long before the store-fed checkpoint's event was recorded the runner starts reading
     * a partition it takes over from that checkpoint (default 5 minutes). The margin covers clock
     * skew between the database and the Kafka producer and transactions that committed later than
     * they started; records at or before the checkpoint are skipped anyway, so a larger margin only
     * costs reading.
     *
     * @param value zero or more
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if negative
     */
    public Builder handoverMargin(Duration value) {
      this.handoverMargin = set.once("handover margin", Checks.notNegative("handover margin", value));
      return this;
    }

    /**
     * Sets the runner's static member id in its consumer group ({@code group.instance.id}); it must
     * stay the same across restarts of one instance and differ between instances. A restarted
     * instance then gets its partitions back at once, not after the group's session timeout.
     * Default: the projection's name and version and the host name, with a suffix for a second
     * runner of the same projection in one process. Two processes of one host need ids of their
     * own: with the same id the newer fences the older, which then fails naming the id. A {@code
     * group.instance.id} in the consumer config wins; both together are a conflict.
     *
     * @param value the id
     * @return this builder
     * @throws IllegalArgumentException if blank
     * @throws IllegalStateException if already set, or set in the consumer config
     */
    public Builder instanceId(String value) {
      requireNonNull(value, "instanceId");
      if (value.isBlank()) {
        throw new IllegalArgumentException("instance id of " + projection.spec() + " must not be blank");
      }
      if (config.containsKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)) {
        throw new IllegalStateException(
            "instance id " + value + " conflicts with " + ConsumerConfig.GROUP_INSTANCE_ID_CONFIG + "="
                + config.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG) + " in the consumer config");
      }
      this.instanceId = set.once("instance id", value);
      return this;
    }

    /**
     * Builds the runner (not started).
     *
     * @return the runner
     * @throws IllegalArgumentException if the consumer config has no group id
     */
    public KafkaProjectionRunner build() {
      return new KafkaProjectionRunner(this);
    }
  }
}
