package dev.cairn.workflows;

import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One deadline of a process instance.
 *
 * @param id its id
 * @param name its name
 * @param due when it falls (or fell) due
 * @param status pending, fired, handled, cancelled or failed
 * @param attempts attempts to fire it
 * @param lastError the last failure to fire it, or null
 */
public record DeadlineView(
    UUID id, String name, Instant due, String status, int attempts, @Nullable String lastError) {}
