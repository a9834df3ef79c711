package dev.cairn.projections;

import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A request in the control table: an operator (the {@code cairn} CLI, the admin API of any
 * instance) asks that a projection version be paused, resumed, replayed, rebuilt, switched to, or
 * that a dead letter be retried or skipped. A process that can execute it claims it, does it and
 * records the outcome. See {@link ProjectionCommands}.
 *
 * @param id the request's id
 * @param projection the projection's name
 * @param version the version it targets
 * @param command what is asked
 * @param arguments the command's arguments (JSON values: strings, numbers, booleans, maps)
 * @param requestedBy who asked
 * @param requestedAt when
 * @param status {@code PENDING} until claimed, {@code RUNNING} while executed, then {@code DONE} or
 *     {@code FAILED}
 * @param result what happened, or why it failed; null while pending
 * @param executedBy the process (and runner) that executes or executed it; null while pending
 * @param executedAt when it was claimed (while running), then when it ended; null while pending
 */
public record ProjectionCommand(
    long id,
    String projection,
    int version,
    Type command,
    Map<String, @Nullable Object> arguments,
    String requestedBy,
    Instant requestedAt,
    Status status,
    @Nullable String result,
    @Nullable String executedBy,
    @Nullable Instant executedAt) {

  /** Copies the arguments (null values allowed). */
  public ProjectionCommand {
    arguments = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(arguments));
  }

  /**
   * Returns the dead letter a {@link Type#RETRY} or {@link Type#SKIP} names (its arguments were
   * checked when it was requested).
   *
   * @return the dead letter's id
   * @throws IllegalStateException if this command names none
   */
  public long deadLetter() {
    return CommandArguments.deadLetter(command, arguments);
  }

  /** What a command asks for. */
  public enum Type {
    /** Pause every runner of the version (persistent state, until {@link #RESUME}). */
    PAUSE,
    /** Lift a pause. */
    RESUME,
    /** Replay the version: {@code from} (beginning or an instant), {@code position} or {@code offsets}. */
    REPLAY,
    /** Build the version beside the serving one ({@code switchWhenCaughtUp}). */
    REBUILD,
    /** Switch readers to the version. */
    SWITCH,
    /** Apply a parked event again ({@code deadLetter}). */
    RETRY,
    /** Give up on a parked event ({@code deadLetter}). */
    SKIP,
    /** Retry every parked event of the version. */
    RETRY_ALL
  }

  /** Where a command is. */
  public enum Status {
    /** Waiting for a process that can execute it. */
    PENDING,
    /** Claimed by a process that executes it now. */
    RUNNING,
    /** Executed. */
    DONE,
    /** Executed and failed; the result says why. */
    FAILED
  }
}
