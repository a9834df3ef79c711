package dev.cairn.workflows;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A workflow's deadlines by state.
 *
 * @param pending waiting for their due time (or for a retry)
 * @param fired fired (recorded in their process's stream), handled or not yet
 * @param failed given up after the last attempt to fire; {@link Workflow#retryFailedDeadlines()}
 * @param cancelled cancelled by their process
 * @param nextDue the earliest due time of a pending deadline, or null (or unknown)
 */
public record DeadlineCounts(long pending, long fired, long failed, long cancelled, @Nullable Instant nextDue) {}
