package dev.cairn.admin;

import com.fasterxml.jackson.annotation.JsonRawValue;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.workflows.DeadlineView;
import dev.cairn.workflows.HistoryEntry;
import dev.cairn.workflows.WorkflowCatalog;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.jspecify.annotations.Nullable;

/**
 * The process managers (es-workflows) installed in the store, read from the database alone: their
 * instances and their deadlines (pending, fired, failed, cancelled); and the one mutating
 * operation, putting failed deadlines back to pending (audited).
 */
public final class WorkflowService {

  /**
   * One workflow in a list.
   *
   * @param name its name
   * @param version its process projection's version
   * @param projectionStatus that version's status, or null if not installed
   * @param instances how many process instances have handled an input
   * @param deadlines deadlines by state: pending, fired (handled ones included), failed, cancelled
   * @param nextDue the earliest due time of a pending deadline, or null
   * @param oldestOverdue the due time of the oldest pending deadline past due, or null
   */
  public record Summary(
      String name,
      int version,
      @Nullable String projectionStatus,
      long instances,
      Map<String, Long> deadlines,
      @Nullable Instant nextDue,
      @Nullable Instant oldestOverdue) {}

  /**
   * One workflow with its most recently active instances.
   *
   * @param summary what the list shows
   * @param instances up to 50 instances, the most recently active first
   */
  public record Detail(
      @com.fasterxml.jackson.annotation.JsonUnwrapped Summary summary, List<WorkflowCatalog.InstanceSummary> instances) {}

  /**
   * One process instance.
   *
   * @param workflow the workflow's name
   * @param processId its id
   * @param streamId its own stream (the inputs it received)
   * @param state its state as stored (JSON), or null if it handled no input yet
   * @param inputs how many inputs it handled
   * @param updatedAt when it last handled one, or null
   * @param history the inputs it handled, with what it did
   * @param deadlines its deadlines
   */
  public record Instance(
      String workflow,
      String processId,
      String streamId,
      @JsonRawValue @Nullable String state,
      long inputs,
      @Nullable Instant updatedAt,
      List<HistoryEntry> history,
      List<DeadlineView> deadlines) {}

  /**
   * The outcome of a retry of failed deadlines.
   *
   * @param workflow the workflow's name
   * @param retried how many deadlines were put back to pending
   */
  public record Retried(String workflow, int retried) {}

  private final @Nullable WorkflowCatalog catalog;
  private final AuditLog audit;

  WorkflowService(@Nullable JdbcEventStore store, ProjectionManager projections, AuditLog audit) {
    this.catalog = store == null ? null : new WorkflowCatalog(store, projections);
    this.audit = audit;
  }

  /**
   * Lists the workflows, by name.
   *
   * @return one summary each
   * @throws UnsupportedOperationException on a read side (no store)
   */
  public List<Summary> list() {
    return catalog().list().stream().map(WorkflowService::summary).toList();
  }

  /**
   * Returns one workflow with its most recently active instances.
   *
   * @param name its name
   * @return the workflow
   * @throws NoSuchElementException if there is no such workflow
   */
  public Detail get(String name) {
    return new Detail(summary(catalog().get(name)), catalog().instances(name, 50));
  }

  /**
   * Returns one process instance.
   *
   * @param name the workflow
   * @param processId the instance
   * @return the instance
   * @throws NoSuchElementException if there is no such workflow or instance
   */
  public Instance instance(String name, String processId) {
    WorkflowCatalog.Instance i = catalog().instance(name, processId);
    return new Instance(i.workflow(), i.processId(), i.streamId(), i.state(), i.inputs(), i.updatedAt(), i.history(), i.deadlines());
  }

  /**
   * Puts a workflow's failed deadlines back to pending (a running scheduler fires them at its next
   * round), and audits it.
   *
   * @param name the workflow
   * @param actor who asks
   * @param remote from where, or null
   * @return how many
   * @throws NoSuchElementException if there is no such workflow (audited as 404)
   */
  public Retried retryFailedDeadlines(String name, String actor, @Nullable String remote) {
    String action = "workflow.retry-failed-deadlines";
    try {
      int n = catalog().retryFailedDeadlines(name);
      audit.record(actor, remote, action, "workflow " + name, Map.of(), 200, n + " deadline(s) put back to pending");
      return new Retried(name, n);
    } catch (NoSuchElementException e) {
      audit.record(actor, remote, action, "workflow " + name, Map.of(), 404, e.getMessage());
      throw e;
    }
  }

  private WorkflowCatalog catalog() {
    if (catalog == null) {
      throw new UnsupportedOperationException("workflows need the event store; this admin is a read side");
    }
    return catalog;
  }

  private static Summary summary(WorkflowCatalog.Summary s) {
    Map<String, Long> counts =
        Map.of(
            "pending", s.deadlines().pending(),
            "fired", s.deadlines().fired(),
            "failed", s.deadlines().failed(),
            "cancelled", s.deadlines().cancelled());
    return new Summary(
        s.name(), s.version(), s.projectionStatus(), s.instances(), new java.util.TreeMap<>(counts), s.deadlines().nextDue(),
        s.oldestOverdue());
  }
}
