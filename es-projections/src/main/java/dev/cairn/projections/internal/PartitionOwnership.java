package dev.cairn.projections.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.GlobalPosition;
import dev.cairn.projections.ProjectionSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which partitions a Kafka runner holds, and at which generation: it claims a partition's row on
 * assignment (and seeks to its offset), forgets it on revocation, and re-reads the rows when a
 * commit was rejected or a replay moved a generation. A partition another runner took stays paused
 * until the group revokes it.
 *
 * <p>A partition assigned but not claimed (the database was down at the assignment) stays paused
 * at its position, so none of its records is read past, and the claim is tried again with a
 * backoff until it succeeds: the consumer's assignment is reconciled with the partitions held
 * before every poll.
 */
public final class PartitionOwnership {

  private static final Logger LOG = LoggerFactory.getLogger(PartitionOwnership.class);

  /** A partition held: the generation this runner took it at and the last position applied. */
  public record Owned(long generation, GlobalPosition last) {}

  private final OffsetStore store;
  private final org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer;
  private final Map<String, String> positions;
  private final Runnable onRevoked;
  private final Consumer<String> forgetLag;
  private final Runnable beforeResync;
  private final Supplier<RuntimeException> retiredError;
  private final ProjectionSpec what;
  private final Map<TopicPartition, Owned> owned = new HashMap<>();
  private final Set<TopicPartition> lost = new HashSet<>();
  private final Map<TopicPartition, Instant> unclaimed = new ConcurrentHashMap<>();
  private volatile @Nullable String claimError;
  private int claimFailures;
  private long nextClaimAttempt = System.nanoTime();
  private boolean pausedAll;
  private boolean retired;

  /**
   * Starts with no partition.
   *
   * @param store the offsets
   * @param consumer the runner's consumer
   * @param positions the runner's reported position per partition, kept up to date here
   * @param onRevoked run when partitions go (the retries of the batch's events are forgotten)
   * @param forgetLag forgets the lag of a partition that went
   * @param beforeResync a test hook run before rows are read again
   * @param retiredError the error that stops the runner when its version is retired
   * @param what the projection version, for logs
   */
  public PartitionOwnership(
      OffsetStore store, org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer,
      Map<String, String> positions, Runnable onRevoked, Consumer<String> forgetLag, Runnable beforeResync,
      Supplier<RuntimeException> retiredError, ProjectionSpec what) {
    this.store = store;
    this.consumer = consumer;
    this.positions = positions;
    this.onRevoked = onRevoked;
    this.forgetLag = forgetLag;
    this.beforeResync = beforeResync;
    this.retiredError = retiredError;
    this.what = what;
  }

  /**
   * Returns the listener to subscribe with: claims on assignment, forgets on revocation and loss.
   *
   * @param beforeRevoked run with partitions being revoked, before they are forgotten, while this
   *     member still holds them in the group (not on loss, when it no longer does)
   * @return the listener
   */
  public ConsumerRebalanceListener listener(Consumer<Collection<TopicPartition>> beforeRevoked) {
    return new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        beforeRevoked.accept(partitions);
        forget(partitions);
      }

      @Override
      public void onPartitionsLost(Collection<TopicPartition> partitions) {
        forget(partitions);
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        claimOrHold(partitions);
      }
    };
  }

  /**
   * Returns whether a claim found the version retired (thrown from the runner's step, not from
   * inside the consumer's callback).
   *
   * @return true if retired
   */
  public boolean retired() {
    return retired;
  }

  /**
   * Returns a partition held, or null.
   *
   * @param tp the partition
   * @return the generation and last position, or null if not held
   */
  public @Nullable Owned get(TopicPartition tp) {
    return owned.get(tp);
  }

  /**
   * Returns whether the runner holds a partition.
   *
   * @param tp the partition
   * @return true if held
   */
  public boolean owns(TopicPartition tp) {
    return owned.containsKey(tp);
  }

  /**
   * Records what a commit applied to a partition held.
   *
   * @param tp the partition
   * @param nextOffset its next offset
   * @param last its last position now (unchanged if null)
   */
  public void committed(TopicPartition tp, long nextOffset, @Nullable GlobalPosition last) {
    Owned o = owned(tp);
    owned.put(tp, new Owned(o.generation(), last == null ? o.last() : last));
    positions.put(tp.toString(), Long.toString(nextOffset));
  }

  /**
   * Returns partitions with the generations this runner took them at.
   *
   * @param partitions partitions held
   * @return the partitions and generations
   */
  public List<OffsetStore.Held> held(Collection<TopicPartition> partitions) {
    List<OffsetStore.Held> result = new ArrayList<>(partitions.size());
    for (TopicPartition tp : partitions) {
      result.add(new OffsetStore.Held(tp, owned(tp).generation()));
    }
    return result;
  }

  private void forget(Collection<TopicPartition> partitions) {
    if (!partitions.isEmpty()) {
      onRevoked.run();
    }
    for (TopicPartition tp : partitions) {
      owned.remove(tp);
      lost.remove(tp);
      unclaimed.remove(tp);
      positions.remove(tp.toString());
      forgetLag.accept(tp.toString());
    }
  }

  /**
   * Claims partitions; if the database fails, holds them paused as unclaimed, to be claimed again
   * by {@link #reconcile()}. An exception must not leave the consumer's callback: the consumer
   * would keep the assignment while the runner holds nothing.
   */
  private void claimOrHold(Collection<TopicPartition> partitions) {
    try {
      claim(partitions);
    } catch (RuntimeException e) {
      hold(partitions, e);
    }
  }

  private void hold(Collection<TopicPartition> partitions, RuntimeException e) {
    Instant now = Instant.now();
    for (TopicPartition tp : partitions) {
      owned.remove(tp);
      unclaimed.putIfAbsent(tp, now);
    }
    consumer.pause(partitions);
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    claimError = String.valueOf(root);
    claimFailures++;
    long backoff = Math.min(5_000L, 100L << Math.min(claimFailures, 6));
    nextClaimAttempt = System.nanoTime() + backoff * 1_000_000L;
    LOG.debug("runner {} of {} could not claim {} (retry in {} ms)", store.owner(), what, partitions, backoff, e);
  }

  /**
   * Reconciles the consumer's assignment with the partitions held, before a poll: a partition
   * assigned but neither held nor lost to another runner is unclaimed, paused, and claimed again
   * once its backoff has passed.
   */
  public void reconcile() {
    Set<TopicPartition> assigned = consumer.assignment();
    unclaimed.keySet().retainAll(assigned);
    Set<TopicPartition> missing = new HashSet<>();
    for (TopicPartition tp : assigned) {
      if (!owned.containsKey(tp) && !lost.contains(tp)) {
        missing.add(tp);
      }
    }
    if (missing.isEmpty()) {
      claimFailures = 0;
      claimError = null;
      return;
    }
    Instant now = Instant.now();
    missing.forEach(tp -> unclaimed.putIfAbsent(tp, now));
    consumer.pause(missing);
    if (System.nanoTime() - nextClaimAttempt >= 0) {
      claimOrHold(missing);
    }
  }

  /**
   * Seeks each unclaimed partition of polled records back to its first record: none is read past.
   *
   * @param records the records polled
   */
  public void holdBack(List<ConsumerRecord<String, byte[]>> records) {
    if (unclaimed.isEmpty()) {
      return;
    }
    Set<TopicPartition> rewound = new HashSet<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      if (unclaimed.containsKey(tp) && consumer.assignment().contains(tp) && rewound.add(tp)) {
        consumer.seek(tp, r.offset());
        consumer.pause(List.of(tp));
      }
    }
  }

  /**
   * Returns the partitions assigned but not claimed, with since when.
   *
   * @return the partitions and since when they wait
   */
  public Map<TopicPartition, Instant> unclaimed() {
    return Map.copyOf(unclaimed);
  }

  /**
   * Returns why the last claim failed, or null.
   *
   * @return the error
   */
  public @Nullable String claimError() {
    return claimError;
  }

  /** Takes the partitions' rows (bumping their generation) and seeks to the stored offsets. */
  private void claim(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    Map<TopicPartition, java.time.Instant> seekFrom = new HashMap<>();
    Map<TopicPartition, Long> seekTo =
        store.inTransaction(
            h -> {
              Map<TopicPartition, Long> next = new LinkedHashMap<>();
              for (TopicPartition tp : partitions) {
                Optional<OffsetStore.Claimed> row = store.claim(h, tp);
                if (row.isEmpty()) {
                  retired = true;
                  return next;
                }
                owned.put(tp, new Owned(row.get().generation(), row.get().last()));
                next.put(tp, row.get().nextOffset());
                Instant from = row.get().seekFrom();
                if (from != null) {
                  seekFrom.put(tp, from);
                }
              }
              return next;
            });
    // Taken over from a store-fed runner's checkpoint: start near it, not at offset 0.
    seekFrom.keySet().retainAll(seekTo.keySet());
    seekTo.putAll(HandoverSeek.offsets(consumer, seekFrom));
    for (Map.Entry<TopicPartition, Long> e : seekTo.entrySet()) {
      seek(e.getKey(), e.getValue());
      lost.remove(e.getKey());
      unclaimed.remove(e.getKey());
    }
    if (retired) {
      return;
    }
    if (pausedAll) {
      consumer.pause(partitions);
    } else {
      consumer.resume(partitions);
    }
    LOG.info("runner {} of {} took {}", store.owner(), what, seekTo);
  }

  /**
   * Seeks a partition to an offset (-1: its beginning) and reports it as the runner's position.
   *
   * @param tp the partition
   * @param next the next offset to read
   */
  public void seek(TopicPartition tp, long next) {
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
   *
   * @param partitions the partitions
   */
  public void resync(Collection<TopicPartition> partitions) {
    beforeResync.run();
    for (TopicPartition tp : List.copyOf(partitions)) {
      Optional<OffsetStore.Row> row = store.read(tp);
      if (row.isPresent() && row.get().owner().equals(store.retiredOwner())) {
        throw retiredError.get();
      }
      if (row.isPresent() && row.get().owner().equals(store.owner())) {
        owned.put(tp, new Owned(row.get().generation(), row.get().last()));
        seek(tp, row.get().nextOffset());
      } else if (row.isEmpty() || row.get().owner().equals(store.replayOwner())) {
        claim(List.of(tp));
      } else {
        LOG.info("runner {} of {} lost {} to {}", store.owner(), what, tp, row.get().owner());
        owned.remove(tp);
        lost.add(tp);
        consumer.pause(List.of(tp));
      }
    }
  }

  /** Re-reads the partitions whose generation moved (a replay by another process, say). */
  public void resyncStale() {
    Set<TopicPartition> stale = new HashSet<>();
    for (OffsetStore.Generation g : store.generations()) {
      Owned o = owned.get(g.partition());
      if (o != null && o.generation() != g.generation()) {
        stale.add(g.partition());
      }
    }
    if (!stale.isEmpty()) {
      resync(stale);
    }
  }

  /** Pauses every assigned partition (the runner is paused; polling keeps the membership). */
  public void pauseAll() {
    if (!pausedAll) {
      pausedAll = true;
      consumer.pause(consumer.assignment());
    }
  }

  /** Resumes the assigned partitions after {@link #pauseAll}, but not those another runner took. */
  public void resumeAll() {
    if (pausedAll) {
      pausedAll = false;
      Set<TopicPartition> resume = new HashSet<>(consumer.assignment());
      resume.removeAll(lost);
      resume.removeAll(unclaimed.keySet());
      consumer.resume(resume);
    }
  }

  /** What is known of a partition the caller holds (no poll since it asked, so it is still owned). */
  private Owned owned(TopicPartition tp) {
    return requireNonNull(owned.get(tp), "a partition held");
  }
}
