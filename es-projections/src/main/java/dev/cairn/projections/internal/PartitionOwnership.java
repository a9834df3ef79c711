package dev.cairn.projections.internal;

import dev.cairn.api.GlobalPosition;
import dev.cairn.projections.ProjectionSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which partitions a Kafka runner holds, and at which generation: it claims a partition's row on
 * assignment (and seeks to its offset), forgets it on revocation, and re-reads the rows when a
 * commit was rejected or a replay moved a generation. A partition another runner took stays paused
 * until the group revokes it.
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
   * @return the listener
   */
  public ConsumerRebalanceListener listener() {
    return new ConsumerRebalanceListener() {
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
  public Owned get(TopicPartition tp) {
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
  public void committed(TopicPartition tp, long nextOffset, GlobalPosition last) {
    Owned o = owned.get(tp);
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
      result.add(new OffsetStore.Held(tp, owned.get(tp).generation()));
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
      positions.remove(tp.toString());
      forgetLag.accept(tp.toString());
    }
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
                if (row.get().seekFrom() != null) {
                  seekFrom.put(tp, row.get().seekFrom());
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
      consumer.resume(resume);
    }
  }
}
