package dev.cairn.projections;

import java.util.Map;

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
    String lastError) {

  /** Copies the maps. */
  public ProjectionStatus {
    positions = Map.copyOf(positions);
    lag = Map.copyOf(lag);
  }
}
