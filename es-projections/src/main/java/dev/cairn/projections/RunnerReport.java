package dev.cairn.projections;

import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a running runner last reported about itself into the control tables (about once a second),
 * so that a process running no runner, such as the CLI, sees it.
 *
 * @param owner the runner's owner token (unique per runner)
 * @param projection the projection's name
 * @param version the version it feeds
 * @param instance the process it runs in ({@code pid@host})
 * @param source {@code store} or {@code kafka:<topics>}
 * @param state the runner's state, as {@link RunnerState} names it
 * @param status the rest of its {@link ProjectionStatus}: {@code positions}, {@code lag}, {@code
 *     eventsApplied}, {@code eventsPerSecond}, {@code parked}, {@code lastError}, {@code health}
 * @param startedAt when it started
 * @param updatedAt when it last reported
 */
public record RunnerReport(
    String owner,
    String projection,
    int version,
    String instance,
    String source,
    String state,
    Map<String, @Nullable Object> status,
    Instant startedAt,
    Instant updatedAt) {

  /** Copies the status (null values allowed). */
  public RunnerReport {
    status = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(status));
  }
}
