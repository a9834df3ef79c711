package dev.cairn.projections.internal;

import dev.cairn.projections.ProjectionException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a replay of a Kafka runner's topics starts in each partition: at given offsets, at an
 * instant, or at the beginning. Runners take the new rows when they notice the generation moved.
 */
public final class ReplayPoints {

  private final Supplier<Admin> admins;
  private final List<String> topics;

  /**
   * Finds replay points in topics.
   *
   * @param admins opens an admin client (closed after each use)
   * @param topics the topics
   */
  public ReplayPoints(Supplier<Admin> admins, List<String> topics) {
    this.admins = admins;
    this.topics = List.copyOf(topics);
  }

  /**
   * Returns each partition's offset of the first record at or after an instant (Kafka's {@code
   * offsetsForTimes}); a partition with no such record starts at its end.
   *
   * @param from the instant
   * @return the offsets
   * @throws ProjectionException if Kafka does not answer
   */
  public Map<TopicPartition, Long> at(Instant from) {
    try (Admin admin = admins.get()) {
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
      return offsets;
    } catch (ExecutionException e) {
      throw ProjectionException.of("finding the offsets of " + topics + " at " + from, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProjectionException.of("interrupted finding the offsets of " + topics + " at " + from, e);
    }
  }

  /**
   * Returns the next offset of every partition of the topics: the given one, or -1 (the beginning)
   * for a partition not named.
   *
   * @param offsets the next offset to apply, per partition
   * @return the offsets of all partitions
   * @throws IllegalArgumentException if a partition is not one of the topics' or an offset is negative
   * @throws ProjectionException if Kafka does not answer
   */
  public Map<TopicPartition, Long> startingAt(Map<TopicPartition, Long> offsets) {
    Map<TopicPartition, Long> all = new HashMap<>();
    try (Admin admin = admins.get()) {
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
    return all;
  }

  private Set<TopicPartition> partitions(Admin admin) throws ExecutionException, InterruptedException {
    Set<TopicPartition> result = new HashSet<>();
    for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get().values()) {
      d.partitions().forEach(p -> result.add(new TopicPartition(d.name(), p.partition())));
    }
    return result;
  }
}
