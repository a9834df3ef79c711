package dev.cairn.workflows.internal;

import dev.cairn.api.AggregateRepository;
import dev.cairn.api.CommandOptions;
import dev.cairn.api.CommandResult;
import dev.cairn.api.EventMetadata;
import dev.cairn.workflows.Action;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Sends a process's commands through their aggregates' repositories, each with an idempotency key
 * derived from (process id, triggering input id, action index): a command sent again after a crash
 * returns its first result instead of acting twice.
 */
public final class Dispatcher {

  /** What became of one command. */
  public sealed interface Outcome permits Done, Refused {}

  /**
   * The aggregate took the command (or had taken it before).
   *
   * @param duplicate true if the key had been seen: the first result was returned again
   */
  public record Done(boolean duplicate) implements Outcome {}

  /**
   * The aggregate refused the command.
   *
   * @param reason the refusal's message
   */
  public record Refused(String reason) implements Outcome {}

  private final String workflow;
  private final Map<String, AggregateRepository<Object, ?, ?>> targets;
  private final Predicate<RuntimeException> refusal;
  private final Counter sent;
  private final Counter duplicates;
  private final Counter refused;

  /**
   * Creates the dispatcher.
   *
   * @param workflow the workflow's name
   * @param targets repositories by stream type
   * @param refusal tells a refusal (an input for the process) from a failure (retried, then parked)
   * @param meters where to count sent, duplicate and refused commands
   */
  public Dispatcher(
      String workflow,
      Map<String, AggregateRepository<Object, ?, ?>> targets,
      Predicate<RuntimeException> refusal,
      MeterRegistry meters) {
    this.workflow = workflow;
    this.targets = Map.copyOf(targets);
    this.refusal = refusal;
    this.sent = counter(meters, "sent");
    this.duplicates = counter(meters, "duplicate");
    this.refused = counter(meters, "refused");
  }

  private Counter counter(MeterRegistry meters, String outcome) {
    return Counter.builder("cairn.workflow.commands")
        .description("commands sent by a workflow, by outcome")
        .tag("workflow", workflow)
        .tag("outcome", outcome)
        .register(meters);
  }

  /**
   * Derives the id of an action's effect from (process id, triggering input id, action index).
   *
   * @param processId the instance
   * @param inputId the triggering input's id
   * @param index the action's index among the input's actions
   * @return a name-based UUID
   */
  public static UUID actionId(String processId, UUID inputId, int index) {
    return UUID.nameUUIDFromBytes(
        (processId + '\u0000' + inputId + '\u0000' + index).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Sends one command.
   *
   * @param processId the instance
   * @param inputId the triggering input's id: the command's id, and so its events' causation id
   * @param index the action's index
   * @param send the command and its target
   * @param metadata the triggering input's metadata (correlation id, traceparent)
   * @return what became of it
   * @throws IllegalStateException if no repository serves the target's stream type
   * @throws RuntimeException any failure that is not a refusal
   */
  public Outcome send(String processId, UUID inputId, int index, Action.Send send, EventMetadata metadata) {
    AggregateRepository<Object, ?, ?> target = targets.get(send.streamType());
    if (target == null) {
      throw new IllegalStateException(
          "workflow " + workflow + " has no repository for stream type " + send.streamType() + " (targets: "
              + targets.keySet() + ")");
    }
    String key = "wf:" + workflow + ":" + actionId(processId, inputId, index);
    CommandOptions options = new CommandOptions(inputId, key, metadata.withCausationId(null));
    try {
      CommandResult<?> result = OwnTransaction.call(() -> target.handle(send.streamId(), send.command(), options));
      (result.duplicate() ? duplicates : sent).increment();
      return new Done(result.duplicate());
    } catch (RuntimeException e) {
      if (!refusal.test(e)) {
        throw e;
      }
      refused.increment();
      return new Refused(String.valueOf(e.getMessage()));
    }
  }
}
