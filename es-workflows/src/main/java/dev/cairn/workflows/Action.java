package dev.cairn.workflows;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.spi.Checks;
import java.time.Instant;

/** What a process does about an input: send a command, schedule a deadline, or cancel one. */
public sealed interface Action permits Action.Send, Action.Schedule, Action.Cancel {

  /**
   * Sends a command to an aggregate, through the repository the workflow has for its stream type.
   *
   * @param streamType the target's stream type
   * @param streamId the target's stream
   * @param command the command
   * @return the action
   */
  static Action send(String streamType, String streamId, Object command) {
    return new Send(streamType, streamId, command);
  }

  /**
   * Schedules a deadline; a pending deadline of the same name is replaced.
   *
   * @param name the name, unique among the instance's pending deadlines
   * @param due when it falls due
   * @param payload what the firing carries back (may be empty)
   * @return the action
   */
  static Action schedule(String name, Instant due, String payload) {
    return new Schedule(name, due, payload);
  }

  /**
   * Cancels the instance's deadline of this name: a pending one never fires, and one that fired
   * but was not yet handled is dropped when its turn comes.
   *
   * @param name the name
   * @return the action
   */
  static Action cancel(String name) {
    return new Cancel(name);
  }

  /**
   * A command to an aggregate.
   *
   * @param streamType the target's stream type
   * @param streamId the target's stream
   * @param command the command
   */
  record Send(String streamType, String streamId, Object command) implements Action {
    /**
     * Checks the parts.
     *
     * @throws IllegalArgumentException if the stream type or id is malformed
     */
    public Send {
      Checks.streamType(streamType);
      Checks.streamId(streamId);
      requireNonNull(command, "command");
    }
  }

  /**
   * A deadline.
   *
   * @param name the name, 1 to 100 characters
   * @param due when it falls due
   * @param payload what the firing carries back
   */
  record Schedule(String name, Instant due, String payload) implements Action {
    /**
     * Checks the parts.
     *
     * @throws IllegalArgumentException if the name is blank or longer than 100 characters
     */
    public Schedule {
      checkName(name);
      requireNonNull(due, "due");
      payload = payload == null ? "" : payload;
    }
  }

  /**
   * The cancellation of a deadline.
   *
   * @param name the deadline's name
   */
  record Cancel(String name) implements Action {
    /**
     * Checks the name.
     *
     * @throws IllegalArgumentException if the name is blank or longer than 100 characters
     */
    public Cancel {
      checkName(name);
    }
  }

  private static void checkName(String name) {
    if (name == null || name.isBlank() || name.length() > 100) {
      throw new IllegalArgumentException("deadline name must be 1 to 100 non-blank characters but was '" + name + "'");
    }
  }
}
