package dev.cairn.projections;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.api.spi.Checks;
import dev.cairn.bus.kafka.CairnRecords;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds a projection version from Kafka topics as one member of a consumer group ({@code
 * read_committed}, no auto commit). Per partition, the next offset and the last global position
 * live in a table of ours and commit in the same database transaction as the read-model changes.
 * On assignment the runner takes each partition's row by bumping its generation and seeks to the
 * stored offset; every commit is a compare-and-set on (generation, owner), so a runner that lost a
 * partition (rebalance, zombie, retired version) cannot commit. Offsets are also committed to
 * Kafka afterwards, for lag tools only.
 *
 * <p>Records whose global position is not after the partition's last one are skipped: that makes
 * the hand-over from a store-fed rebuild of the same version exact.
 */
public final class KafkaProjectionRunner extends AbstractRunner {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaProjectionRunner.class);

  private final Map<String, Object> config;
  private final List<String> topics;
  private final int maxBatchRecords;
  private final Duration maxBatchTime;
  private final Duration linger;
  private final Duration pollTimeout;
  private KafkaConsumer<String, byte[]> consumer;
  private final Map<TopicPartition, Owned> owned = new HashMap<>();
  private final Set<TopicPartition> lost = new HashSet<>();
  private boolean pausedAll;
  private volatile boolean resyncRequested;
  private boolean retired;
  private long lastIdleCheck = System.nanoTime();

  private record Owned(long generation, GlobalPosition last) {}

  private static final class Rejected extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Rejected(String message) {
      super(message, null, false, false);
    }
  }

  private KafkaProjectionRunner(Builder b) {
    super(b.projection, b.manager, b.policy);
    this.config = new HashMap<>(b.config);
    this.topics = List.copyOf(b.topics);
    this.maxBatchRecords = b.maxBatchRecords;
    this.maxBatchTime = b.maxBatchTime;
    this.linger = b.linger;
    this.pollTimeout = b.pollTimeout;
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxBatchRecords);
    if (!config.containsKey(ConsumerConfig.GROUP_ID_CONFIG)) {
      throw new IllegalArgumentException("consumer config of " + spec + " needs " + ConsumerConfig.GROUP_ID_CONFIG);
    }
  }

  @Override
  void init() {
    manager.requireInstalled(spec);
    consumer = new KafkaConsumer<>(config);
    consumer.subscribe(
        topics,
        new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            forget(partitions);
          }

          @Override
          public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
          }

          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            claim(partitions);
          }
        });
  }

  private void forget(Collection<TopicPartition> partitions) {
    if (!partitions.isEmpty()) {
      applier.forgetRetries();
    }
    for (TopicPartition tp : partitions) {
      owned.remove(tp);
      lost.remove(tp);
      positions.remove(tp.toString());
      forgetLag(tp.toString());
    }
  }

  /** Takes the partitions' rows (bumping their generation) and seeks to the stored offsets. */
  private void claim(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    Sql sql = manager.sql();
    Map<TopicPartition, Long> seekTo =
        manager.jdbi()
            .inTransaction(
                h -> {
                  Map<TopicPartition, Long> next = new LinkedHashMap<>();
                  for (TopicPartition tp : partitions) {
                    var row =
                        h.createQuery(
                                "INSERT INTO " + sql.offsets + " AS o (name, version, topic, partition, next_offset,"
                                    + " last_tx_id, last_position, generation, owner)"
                                    + " SELECT :name, :version, :topic, :partition, -1, coalesce(c.tx_id, 0),"
                                    + " coalesce(c.position, 0), 1, :owner FROM (SELECT 1) x LEFT JOIN "
                                    + sql.checkpoints + " c ON c.name = :name AND c.version = :version"
                                    + " ON CONFLICT (name, version, topic, partition) DO UPDATE"
                                    + " SET generation = o.generation + 1, owner = :owner, updated_at = now()"
                                    + " WHERE o.owner <> '" + Sql.RETIRED_OWNER + "'"
                                    + " RETURNING generation, next_offset, last_tx_id, last_position")
                            .bind("name", spec.name())
                            .bind("version", spec.version())
                            .bind("topic", tp.topic())
                            .bind("partition", tp.partition())
                            .bind("owner", owner)
                            .map((rs, ctx) -> new Object[] {rs.getLong(1), rs.getLong(2), new GlobalPosition(rs.getLong(3), rs.getLong(4))})
                            .findOne();
                    if (row.isEmpty()) {
                      retired = true; // thrown from step(), not from inside the consumer's callback
                      return next;
                    }
                    Object[] r = row.get();
                    owned.put(tp, new Owned((Long) r[0], (GlobalPosition) r[2]));
                    next.put(tp, (Long) r[1]);
                  }
                  return next;
                });
    for (Map.Entry<TopicPartition, Long> e : seekTo.entrySet()) {
      seek(e.getKey(), e.getValue());
      lost.remove(e.getKey());
    }
    if (pausedAll) {
      consumer.pause(partitions);
    } else {
      consumer.resume(partitions);
    }
    LOG.info("runner {} of {} took {}", owner, spec, seekTo);
  }

  private void seek(TopicPartition tp, long next) {
    if (next >= 0) {
      consumer.seek(tp, next);
    } else {
      consumer.seekToBeginning(List.of(tp));
    }
    positions.put(tp.toString(), Long.toString(next));
  }

  /**
   * Re-reads the rows of partitions this runner holds: after a replay it adopts the new
   * generation and offset; a partition another runner took is paused until the group revokes it.
   */
  private void resync(Collection<TopicPartition> partitions) {
    beforeResync.run();
    Sql sql = manager.sql();
    for (TopicPartition tp : List.copyOf(partitions)) {
      var row =
          manager.jdbi()
              .withHandle(
                  h ->
                      h.createQuery(
                              "SELECT generation, owner, next_offset, last_tx_id, last_position FROM " + sql.offsets
                                  + " WHERE name = :name AND version = :version AND topic = :topic AND partition = :partition")
                          .bind("name", spec.name())
                          .bind("version", spec.version())
                          .bind("topic", tp.topic())
                          .bind("partition", tp.partition())
                          .map((rs, ctx) -> new Object[] {rs.getLong(1), rs.getString(2), rs.getLong(3), new GlobalPosition(rs.getLong(4), rs.getLong(5))})
                          .findOne());
      if (row.isPresent() && row.get()[1].equals(Sql.RETIRED_OWNER)) {
        throw new Fenced("projection " + spec + " is retired");
      }
      if (row.isPresent() && row.get()[1].equals(owner)) {
        owned.put(tp, new Owned((Long) row.get()[0], (GlobalPosition) row.get()[3]));
        seek(tp, (Long) row.get()[2]);
      } else if (row.isEmpty() || row.get()[1].equals(Sql.REPLAY_OWNER)) {
        claim(List.of(tp));
      } else {
        LOG.info("runner {} of {} lost {} to {}", owner, spec, tp, row.get()[1]);
        owned.remove(tp);
        lost.add(tp);
        consumer.pause(List.of(tp));
      }
    }
  }

  @Override
  boolean step() {
    if (retired) {
      throw new Fenced("projection " + spec + " is retired");
    }
    if (pausedAll) {
      pausedAll = false;
      Set<TopicPartition> resume = new HashSet<>(consumer.assignment());
      resume.removeAll(lost);
      consumer.resume(resume);
    }
    if (resyncRequested) {
      resyncRequested = false;
      resync(consumer.assignment());
    }
    long pollStart = System.nanoTime();
    List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>();
    long deadline = pollStart + maxBatchTime.toNanos();
    while (batch.size() < maxBatchRecords) {
      // The first poll waits for work; once a batch has records, later polls only take what has
      // arrived (or linger for more, if configured), so a record is never held back for others.
      long left = deadline - System.nanoTime();
      Duration wait =
          batch.isEmpty() ? pollTimeout : Duration.ofNanos(Math.max(0, Math.min(left, linger.toNanos())));
      ConsumerRecords<String, byte[]> records = consumer.poll(wait);
      records.forEach(batch::add);
      if (records.isEmpty() || System.nanoTime() >= deadline) {
        break;
      }
    }
    if (batch.isEmpty()) {
      idle(pollStart);
      return false;
    }
    commit(batch);
    measureLag(pollStart);
    return true;
  }

  private void idle(long pollStart) {
    measureLag(pollStart);
    if (System.nanoTime() - lastIdleCheck > 1_000_000_000L) {
      lastIdleCheck = System.nanoTime();
      // A replay by another process moves the generation; an idle runner notices it here.
      Set<TopicPartition> stale = new HashSet<>();
      manager.jdbi()
          .useHandle(
              h ->
                  h.createQuery(
                          "SELECT topic, partition, generation FROM " + manager.sql().offsets
                              + " WHERE name = :name AND version = :version")
                      .bind("name", spec.name())
                      .bind("version", spec.version())
                      .map((rs, ctx) -> new Object[] {new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3)})
                      .forEach(
                          r -> {
                            Owned o = owned.get((TopicPartition) r[0]);
                            if (o != null && o.generation() != (Long) r[1]) {
                              stale.add((TopicPartition) r[0]);
                            }
                          }));
      if (!stale.isEmpty()) {
        resync(stale);
      }
    }
  }

  private void measureLag(long pollStart) {
    boolean all = !consumer.assignment().isEmpty();
    for (TopicPartition tp : consumer.assignment()) {
      var l = consumer.currentLag(tp);
      if (l.isPresent()) {
        lag(tp.toString(), l.getAsLong());
        all &= l.getAsLong() == 0;
      } else {
        all = false;
      }
    }
    if (all) {
      caughtUp(pollStart);
    }
  }

  /**
   * What a run of records commits: each partition's first offset in the run (where to read again
   * if it does not commit), next offset and last position, and the events to apply.
   */
  private record Plan(
      Map<TopicPartition, Long> firstOffsets, Map<TopicPartition, Long> nextOffsets,
      Map<TopicPartition, GlobalPosition> lastPositions, List<BatchApplier.Item> items) {}

  private Plan plan(List<ConsumerRecord<String, byte[]>> records, boolean logMalformed) {
    Map<TopicPartition, Long> firstOffsets = new HashMap<>();
    Map<TopicPartition, Long> nextOffsets = new LinkedHashMap<>();
    Map<TopicPartition, GlobalPosition> lastPositions = new HashMap<>();
    List<BatchApplier.Item> items = new ArrayList<>(records.size());
    for (ConsumerRecord<String, byte[]> r : records) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      Owned o = owned.get(tp);
      if (o == null) {
        continue; // revoked while the batch filled up
      }
      firstOffsets.putIfAbsent(tp, r.offset());
      nextOffsets.put(tp, r.offset() + 1);
      RecordedEvent e;
      try {
        e = CairnRecords.toRecordedEvent(r);
      } catch (RuntimeException malformed) {
        if (logMalformed) {
          LOG.error("projection {}: skipping a record that is not in Cairn's format at {}@{}", spec, tp, r.offset(), malformed);
        }
        continue;
      }
      GlobalPosition last = lastPositions.getOrDefault(tp, o.last());
      if (!e.position().isAfter(last)) {
        continue; // already applied (by a rebuild, or before a replay of this partition)
      }
      lastPositions.put(tp, e.position());
      items.add(new BatchApplier.Item(e, r.topic(), r.partition(), r.offset()));
    }
    return new Plan(firstOffsets, nextOffsets, lastPositions, items);
  }

  /** A test hook run before the partitions' rows are read again; a throw stands for a database that is down. */
  private volatile Runnable beforeResync = () -> {};

  void beforeResync(Runnable hook) {
    this.beforeResync = hook;
  }

  /** Seeks each partition of a plan back to its first record in it. */
  private void rewind(Plan plan) {
    plan.firstOffsets().forEach(
        (tp, first) -> {
          if (owned.containsKey(tp)) {
            seek(tp, first);
          }
        });
  }

  /** The index in the batch of the record an item came from. */
  private static int indexOf(List<ConsumerRecord<String, byte[]>> batch, BatchApplier.Item item) {
    for (int i = 0; i < batch.size(); i++) {
      ConsumerRecord<String, byte[]> r = batch.get(i);
      if (r.offset() == item.offset() && r.partition() == item.partition() && r.topic().equals(item.topic())) {
        return i;
      }
    }
    throw new IllegalStateException("record " + item.topic() + "-" + item.partition() + "@" + item.offset() + " is not in the batch");
  }

  private void commit(List<ConsumerRecord<String, byte[]>> batch) {
    Plan full = plan(batch, true);
    if (full.nextOffsets().isEmpty()) {
      return;
    }
    // What the transaction commits: the whole batch, or the records before an event to retry.
    Plan[] done = {full};
    int[] retryFrom = {batch.size()};
    BatchApplier.Outcome outcome;
    try {
      outcome =
          manager.jdbi()
              .inTransaction(
                  h -> {
                    Sql.lockVersion(h, spec, false);
                    stillOwned(h, full.nextOffsets().keySet());
                    BatchApplier.Outcome o = applier.apply(h, full.items());
                    Plan committing = full;
                    if (!o.isComplete()) {
                      retryFrom[0] = indexOf(batch, full.items().get(o.handled()));
                      committing = plan(batch.subList(0, retryFrom[0]), false);
                    }
                    beforeCommit();
                    casOffsets(h, committing);
                    done[0] = committing;
                    return o;
                  });
    } catch (Rejected r) {
      rejected();
      LOG.info("runner {} of {}: commit rejected ({}); re-reading its partitions", owner, spec, r.getMessage());
      rewind(full);
      resync(full.nextOffsets().keySet());
      return;
    } catch (RuntimeException e) {
      // Nothing of the batch committed: read it again. The rewind needs no database, so it holds
      // even when the failure was the database; re-reading the rows (a replay may have moved
      // them) is a refinement that may fail with it.
      rewind(full);
      try {
        resync(full.nextOffsets().keySet());
      } catch (RuntimeException resyncFailure) {
        e.addSuppressed(resyncFailure);
      }
      throw e;
    }
    Map<TopicPartition, OffsetAndMetadata> kafkaOffsets = new HashMap<>();
    for (Map.Entry<TopicPartition, Long> e : done[0].nextOffsets().entrySet()) {
      TopicPartition tp = e.getKey();
      Owned o = owned.get(tp);
      owned.put(tp, new Owned(o.generation(), done[0].lastPositions().getOrDefault(tp, o.last())));
      positions.put(tp.toString(), Long.toString(e.getValue()));
      kafkaOffsets.put(tp, new OffsetAndMetadata(e.getValue()));
    }
    committed(outcome);
    if (!kafkaOffsets.isEmpty()) {
      consumer.commitAsync(
          kafkaOffsets,
          (offsets, error) -> {
            if (error != null) {
              LOG.debug("runner {} of {}: informational Kafka commit failed", owner, spec, error);
            }
          });
    }
    if (!outcome.isComplete()) {
      // Each partition goes back to its first record not committed, the event to retry first.
      Set<TopicPartition> rewound = new HashSet<>();
      for (ConsumerRecord<String, byte[]> r : batch.subList(retryFrom[0], batch.size())) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        if (owned.containsKey(tp) && rewound.add(tp)) {
          seek(tp, r.offset());
        }
      }
      backOff(outcome.retryAfter());
    }
  }

  /**
   * Checks, without locking, that this runner still holds the partitions before it applies
   * anything: a zombie then wastes no work, and never applies to the tables of a retired version
   * that are being dropped. The compare-and-set at the end stays the guarantee.
   */
  private void stillOwned(Handle h, Set<TopicPartition> partitions) {
    String[] topicNames = new String[partitions.size()];
    Integer[] numbers = new Integer[partitions.size()];
    Long[] generations = new Long[partitions.size()];
    int i = 0;
    for (TopicPartition tp : partitions) {
      topicNames[i] = tp.topic();
      numbers[i] = tp.partition();
      generations[i++] = owned.get(tp).generation();
    }
    long held =
        h.createQuery(
                "SELECT count(*) FROM " + manager.sql().offsets + " o JOIN unnest(:topics, :partitions, :generations)"
                    + " AS u(topic, partition, generation) ON o.topic = u.topic AND o.partition = u.partition"
                    + " AND o.generation = u.generation WHERE o.name = :name AND o.version = :version AND o.owner = :owner")
            .bind("topics", topicNames)
            .bind("partitions", numbers)
            .bind("generations", generations)
            .bind("name", spec.name())
            .bind("version", spec.version())
            .bind("owner", owner)
            .mapTo(Long.class)
            .one();
    if (held != partitions.size()) {
      throw new Rejected("holds " + held + " of " + partitions.size() + " partitions of the batch");
    }
  }

  /**
   * Moves the offsets of a batch's partitions in one statement (the batch's transaction holds a
   * transaction id from its first write to its commit, and with it the store's global-order
   * fence, so it takes as few round trips as it can), each only if this runner still holds the
   * partition at the generation it took.
   */
  private void casOffsets(Handle h, Plan plan) {
    int n = plan.nextOffsets().size();
    if (n == 0) {
      return;
    }
    String[] topicNames = new String[n];
    Integer[] numbers = new Integer[n];
    Long[] nexts = new Long[n];
    Long[] txIds = new Long[n];
    Long[] positions = new Long[n];
    Long[] generations = new Long[n];
    int i = 0;
    for (Map.Entry<TopicPartition, Long> e : plan.nextOffsets().entrySet()) {
      TopicPartition tp = e.getKey();
      Owned o = owned.get(tp);
      GlobalPosition last = plan.lastPositions().getOrDefault(tp, o.last());
      topicNames[i] = tp.topic();
      numbers[i] = tp.partition();
      nexts[i] = e.getValue();
      txIds[i] = last.txId();
      positions[i] = last.position();
      generations[i++] = o.generation();
    }
    int moved =
        h.createUpdate(
                "UPDATE " + manager.sql().offsets + " o SET next_offset = u.next, last_tx_id = u.tx, last_position = u.pos,"
                    + " updated_at = now() FROM unnest(:topics, :partitions, :nexts, :txs, :poss, :generations)"
                    + " AS u(topic, partition, next, tx, pos, generation) WHERE o.name = :name AND o.version = :version"
                    + " AND o.topic = u.topic AND o.partition = u.partition AND o.generation = u.generation"
                    + " AND o.owner = :owner")
            .bind("topics", topicNames)
            .bind("partitions", numbers)
            .bind("nexts", nexts)
            .bind("txs", txIds)
            .bind("poss", positions)
            .bind("generations", generations)
            .bind("name", spec.name())
            .bind("version", spec.version())
            .bind("owner", owner)
            .execute();
    if (moved != n) {
      throw new Rejected(
          "holds " + moved + " of the " + n + " partitions " + plan.nextOffsets().keySet() + " at the generations it took");
    }
  }

  @Override
  void whilePaused() {
    if (!pausedAll) {
      pausedAll = true;
      consumer.pause(consumer.assignment());
    }
    // Polling keeps the group membership; paused partitions return nothing.
    ConsumerRecords<String, byte[]> records = consumer.poll(pollTimeout);
    if (!records.isEmpty()) {
      resync(records.partitions());
      consumer.pause(consumer.assignment());
    }
  }

  @Override
  void awaitWork(Duration max) {
    // poll() itself waits for records.
  }

  @Override
  void shutdown() {
    if (consumer != null) {
      consumer.close();
    }
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
    try (Admin admin = admin()) {
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      for (TopicPartition tp : partitions(admin)) {
        request.put(tp, OffsetSpec.forTimestamp(from.toEpochMilli()));
      }
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> found = admin.listOffsets(request).all().get();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      Map<TopicPartition, Long> offsets = new HashMap<>();
      found.forEach(
          (tp, info) -> {
            if (info.offset() >= 0) {
              offsets.put(tp, info.offset());
            } else {
              latest.put(tp, OffsetSpec.latest());
            }
          });
      if (!latest.isEmpty()) {
        admin.listOffsets(latest).all().get().forEach((tp, info) -> offsets.put(tp, info.offset()));
      }
      replayFrom(offsets);
    } catch (ExecutionException e) {
      throw ProjectionException.of("finding the offsets of " + topics + " at " + from, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProjectionException.of("interrupted finding the offsets of " + topics + " at " + from, e);
    }
  }

  /**
   * Replays the projection from given offsets; partitions not named start from their beginning.
   *
   * @param offsets the next offset to apply, per partition
   */
  public void replayFrom(Map<TopicPartition, Long> offsets) {
    requireNonNull(offsets, "offsets");
    Map<TopicPartition, Long> all = new HashMap<>();
    try (Admin admin = admin()) {
      for (TopicPartition tp : partitions(admin)) {
        all.put(tp, -1L);
      }
    } catch (ExecutionException e) {
      throw ProjectionException.of("describing " + topics, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProjectionException.of("interrupted describing " + topics, e);
    }
    offsets.forEach(
        (tp, offset) -> {
          if (!all.containsKey(tp)) {
            throw new IllegalArgumentException(tp + " is not a partition of " + topics);
          }
          if (offset < 0) {
            throw new IllegalArgumentException("offset of " + tp + " must be >= 0 but was " + offset);
          }
          all.put(tp, offset);
        });
    applier.forgetRetries();
    manager.jdbi()
        .useTransaction(
            h -> {
              Sql.lockVersion(h, spec, true);
              manager.sql().truncate(h, spec);
              for (Map.Entry<TopicPartition, Long> e : all.entrySet()) {
                h.createUpdate(
                        "INSERT INTO " + manager.sql().offsets + " AS o (name, version, topic, partition, next_offset,"
                            + " last_tx_id, last_position, generation, owner) VALUES (:name, :version, :topic, :partition,"
                            + " :next, 0, 0, 1, :replay) ON CONFLICT (name, version, topic, partition) DO UPDATE"
                            + " SET next_offset = :next, last_tx_id = 0, last_position = 0,"
                            + " generation = o.generation + 1, updated_at = now()")
                    .bind("name", spec.name())
                    .bind("version", spec.version())
                    .bind("topic", e.getKey().topic())
                    .bind("partition", e.getKey().partition())
                    .bind("next", e.getValue())
                    .bind("replay", Sql.REPLAY_OWNER)
                    .execute();
              }
            });
    resyncRequested = true;
    LOG.info("projection {} replays from {}", spec, all);
  }

  private Set<TopicPartition> partitions(Admin admin) throws ExecutionException, InterruptedException {
    Set<TopicPartition> result = new HashSet<>();
    for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get().values()) {
      d.partitions().forEach(p -> result.add(new TopicPartition(d.name(), p.partition())));
    }
    return result;
  }

  private Admin admin() {
    return KafkaAdmins.open(config);
  }

  /** Configures a {@link KafkaProjectionRunner}; each setter checks its argument at once. */
  public static final class Builder {
    private final Projection projection;
    private final ProjectionManager manager;
    private final Map<String, Object> config;
    private final List<String> topics;
    private int maxBatchRecords = 500;
    private Duration maxBatchTime = Duration.ofMillis(200);
    private Duration linger = Duration.ZERO;
    private Duration pollTimeout = Duration.ofMillis(100);
    private FailurePolicy policy = FailurePolicy.defaults();

    Builder(Projection projection, ProjectionManager manager, Map<String, Object> config, Collection<String> topics) {
      this.projection = requireNonNull(projection, "projection");
      this.manager = manager;
      this.config = Map.copyOf(requireNonNull(config, "consumerConfig"));
      this.topics = List.copyOf(requireNonNull(topics, "topics"));
      if (this.topics.isEmpty()) {
        throw new IllegalArgumentException("a Kafka runner of " + projection.spec() + " needs at least one topic");
      }
    }

    /**
     * Sets the most records per batch (default 500).
     *
     * @param value positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxBatchRecords(int value) {
      this.maxBatchRecords = Checks.positive("max batch records", value);
      return this;
    }

    /**
     * Sets the longest time a batch fills before it is applied (default 200 ms).
     *
     * @param value the time
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxBatchTime(Duration value) {
      this.maxBatchTime = Checks.positive("max batch time", value);
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
     * @throws IllegalArgumentException if negative
     */
    public Builder linger(Duration value) {
      if (value.isNegative()) {
        throw new IllegalArgumentException("linger must be >= 0 but was " + value);
      }
      this.linger = value;
      return this;
    }

    /**
     * Sets how long one poll waits for records (default 100 ms).
     *
     * @param value the time
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder pollTimeout(Duration value) {
      this.pollTimeout = Checks.positive("poll timeout", value);
      return this;
    }

    /**
     * Sets the failure policy (default {@link FailurePolicy#defaults()}).
     *
     * @param value the policy
     * @return this builder
     */
    public Builder failurePolicy(FailurePolicy value) {
      this.policy = requireNonNull(value, "failurePolicy");
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
