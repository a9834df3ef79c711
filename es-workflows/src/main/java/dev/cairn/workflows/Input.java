package dev.cairn.workflows;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** Something a process instance handles: an event it follows, a deadline that fell due, or a command of its own that was refused. */
public sealed interface Input permits Input.Received, Input.DeadlineFired, Input.CommandRefused {

  /**
   * Returns when the input was recorded in the instance's stream; deadlines scheduled from it
   * should count from here, so that handling it again schedules the same due time.
   *
   * @return the instant
   */
  Instant at();

  /**
   * An event the process follows.
   *
   * @param streamType the type of the stream it was written to
   * @param streamId the stream (an aggregate's id)
   * @param event the event record
   * @param at when the event was recorded in the process's stream
   */
  record Received(String streamType, String streamId, Object event, Instant at) implements Input {
    /** Checks the parts. */
    public Received {
      requireNonNull(streamType, "streamType");
      requireNonNull(streamId, "streamId");
      requireNonNull(event, "event");
      requireNonNull(at, "at");
    }
  }

  /**
   * A deadline of the instance fell due and was not cancelled before it was handled.
   *
   * @param name the deadline's name
   * @param payload what the process attached to it (may be empty)
   * @param due when it was due
   * @param at when the firing was recorded
   */
  record DeadlineFired(String name, String payload, Instant due, Instant at) implements Input {
    /** Checks the parts. */
    public DeadlineFired {
      requireNonNull(name, "name");
      requireNonNull(payload, "payload");
      requireNonNull(due, "due");
      requireNonNull(at, "at");
    }
  }

  /**
   * A command the instance sent was refused by its aggregate (a rule of the domain): the place
   * for compensation.
   *
   * @param streamType the target's stream type
   * @param streamId the target's stream
   * @param command the simple name of the command's class
   * @param reason the refusal's message
   * @param at when the refusal was recorded
   */
  record CommandRefused(String streamType, String streamId, String command, String reason, Instant at)
      implements Input {
    /** Checks the parts. */
    public CommandRefused {
      requireNonNull(streamType, "streamType");
      requireNonNull(streamId, "streamId");
      requireNonNull(command, "command");
      requireNonNull(reason, "reason");
      requireNonNull(at, "at");
    }
  }
}
