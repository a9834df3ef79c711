package dev.cairn.workflows.internal;

import dev.cairn.api.CommandOptions;
import dev.cairn.api.Decider;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.EventSerializer;
import dev.cairn.store.jdbc.JdbcAggregateRepository;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.workflows.ProcessRecord;
import java.util.List;
import java.util.UUID;

/**
 * The process instances' own streams (stream type = the workflow's name, stream id = {@code
 * <name>:<process id>}). Each input is recorded with an idempotency key derived from its id, so
 * recording it again (after a crash, or from a second instance) changes nothing.
 */
public final class ProcessLog {

  /** Records whatever it is given: the stream is a log, its state only counts. */
  private static final class LogDecider implements Decider<ProcessRecord, Long, ProcessRecord> {
    @Override
    public Long initialState() {
      return 0L;
    }

    @Override
    public List<ProcessRecord> decide(ProcessRecord command, Long state) {
      return List.of(command);
    }

    @Override
    public Long evolve(Long state, ProcessRecord event) {
      return state + 1;
    }
  }

  private final String workflow;
  private final JdbcAggregateRepository<ProcessRecord, Long, ProcessRecord> repository;

  /**
   * Creates the log of one workflow.
   *
   * @param workflow the workflow's name (its stream type)
   * @param store the store
   * @param serializer a serializer with {@link ProcessRecord} registered
   */
  public ProcessLog(String workflow, JdbcEventStore store, EventSerializer serializer) {
    this.workflow = workflow;
    this.repository = store.repository(workflow, new LogDecider()).serializer(serializer).cacheSize(10_000).build();
  }

  /**
   * Returns the stream id of a process instance.
   *
   * @param processId the instance
   * @return {@code <workflow>:<process id>}
   */
  public String streamId(String processId) {
    return workflow + ":" + processId;
  }

  /**
   * Records an input once: with the same input id a second call does nothing.
   *
   * @param record the input
   * @param inputId the input's id (the source event's, the deadline's, the refusal's); it becomes
   *     the causation id of the record
   * @param metadata the metadata to carry (correlation id, traceparent, tenant, user)
   * @return true if this call recorded it, false if it had been recorded before
   */
  public boolean record(ProcessRecord record, UUID inputId, EventMetadata metadata) {
    CommandOptions options =
        new CommandOptions(inputId, "wf:" + workflow + ":in:" + inputId, metadata.withCausationId(null));
    return !OwnTransaction.call(() -> repository.handle(streamId(record.processId()), record, options)).duplicate();
  }

  /** Closes the log's repository. */
  public void close() {
    repository.close();
  }
}
