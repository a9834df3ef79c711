package dev.cairn.workflows;

import dev.cairn.api.EventTypeRegistry;
import java.time.Instant;
import java.util.UUID;

/**
 * The events of a process instance's own stream: each records one input, and the stream's order is
 * the order in which the instance handles its inputs. Register them with {@link
 * #register(EventTypeRegistry.Builder)} in the serializer the workflow's projection manager uses.
 */
public sealed interface ProcessRecord permits ProcessRecord.Received, ProcessRecord.Fired, ProcessRecord.Refused {

  /**
   * Returns the process instance's id.
   *
   * @return the id
   */
  String processId();

  /**
   * Registers the records under the logical names {@code WorkflowInputReceived}, {@code
   * WorkflowDeadlineFired} and {@code WorkflowCommandRefused}, revision 1.
   *
   * @param registry the registry being built
   * @return the same builder
   */
  static EventTypeRegistry.Builder register(EventTypeRegistry.Builder registry) {
    return registry
        .register(Received.class, Received.TYPE, 1)
        .register(Fired.class, Fired.TYPE, 1)
        .register(Refused.class, Refused.TYPE, 1);
  }

  /**
   * An event the process follows, copied into its stream with its coordinates and payload as
   * stored (read again through the serializer, with its upcasters, when handled).
   *
   * @param processId the instance
   * @param eventId the source event's id
   * @param streamType the source stream's type
   * @param streamId the source stream
   * @param version the source event's version
   * @param eventType its logical type
   * @param schemaRevision its stored revision
   * @param payload its JSON
   * @param recordedAt when the source event was recorded
   */
  record Received(
      String processId,
      UUID eventId,
      String streamType,
      String streamId,
      long version,
      String eventType,
      int schemaRevision,
      String payload,
      Instant recordedAt)
      implements ProcessRecord {
    /** The logical event type. */
    public static final String TYPE = "WorkflowInputReceived";
  }

  /**
   * A deadline fell due.
   *
   * @param processId the instance
   * @param deadlineId the deadline's id
   * @param name its name
   * @param payload its payload
   * @param due when it was due
   */
  record Fired(String processId, UUID deadlineId, String name, String payload, Instant due) implements ProcessRecord {
    /** The logical event type. */
    public static final String TYPE = "WorkflowDeadlineFired";
  }

  /**
   * A command of the process was refused.
   *
   * @param processId the instance
   * @param refusalId the refusal's id, derived from the input and the action's index
   * @param streamType the target's stream type
   * @param streamId the target's stream
   * @param command the command's simple class name
   * @param reason the refusal's message
   */
  record Refused(String processId, UUID refusalId, String streamType, String streamId, String command, String reason)
      implements ProcessRecord {
    /** The logical event type. */
    public static final String TYPE = "WorkflowCommandRefused";
  }
}
