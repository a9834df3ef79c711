package dev.cairn.projections;

import dev.cairn.api.Health;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a runner reports about itself, for an admin endpoint or a CLI.
 *
 * @param projection the projection's name and version, e.g. {@code balances v2}
 * @param source {@code store} or {@code kafka:<topics>}
 * @param state the runner's state
 * @param positions per source partition ({@code global} for the store), the last applied
 *     position: a global position {@code tx/pos} or a Kafka next offset
 * @param lag per source partition, how many events are still to apply (as last measured)
 * @param eventsApplied events applied since start
 * @param eventsPerSecond the rate over the last batches
 * @param parked events parked (or held behind them) for this projection version
 * @param lastError the last failure, or null
 * @param staleness per source partition with events still to apply, how old the oldest of them
 *     is (now minus its append time); partitions with nothing to apply are absent
 * @param unclaimed partitions assigned to the runner whose offsets it could not claim in the
 *     database yet: their records wait, unread, until it can
 * @param waitingForPartitionsSince since when a Kafka runner has held no partition, or null
 * @param health the runner's health, with the causes of anything short of up
 */
public record ProjectionStatus(
    String projection,
    String source,
    RunnerState state,
    Map<String, String> positions,
    Map<String, Long> lag,
    long eventsApplied,
    double eventsPerSecond,
    long parked,
    @Nullable String lastError,
    Map<String, Duration> staleness,
    List<String> unclaimed,
    @Nullable Instant waitingForPartitionsSince,
    Health health) {

  /** Copies the maps and lists. */
  public ProjectionStatus {
    positions = Map.copyOf(positions);
    lag = Map.copyOf(lag);
    staleness = Map.copyOf(staleness);
    unclaimed = List.copyOf(unclaimed);
  }
}
