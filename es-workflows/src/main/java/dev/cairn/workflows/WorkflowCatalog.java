package dev.cairn.workflows;

import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.ProjectionSpec;
import dev.cairn.projections.ReadModel;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.workflows.internal.Deadlines;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;

/**
 * What the database knows about the workflows installed in it, read without their code: for an
 * admin API or a CLI in another process that has only a JDBC URL. A workflow is known once its
 * {@link Workflow#migrate()} ran. The process state is returned as stored (JSON).
 */
public final class WorkflowCatalog {

  /**
   * One workflow.
   *
   * @param name its name
   * @param version its process projection's version (the active one, else the registered one)
   * @param projectionStatus that version's status ({@code BUILDING}, {@code ACTIVE}, {@code
   *     RETIRED}), or null if it is not installed
   * @param instances how many process instances have handled an input
   * @param deadlines its deadlines by state ({@code fired} counts handled ones too)
   * @param oldestOverdue the due time of the oldest pending deadline that is past due, or null
   */
  public record Summary(
      String name,
      int version,
      @Nullable String projectionStatus,
      long instances,
      DeadlineCounts deadlines,
      @Nullable Instant oldestOverdue) {}

  /**
   * One process instance in a list.
   *
   * @param processId its id
   * @param inputs how many inputs it handled
   * @param updatedAt when it last handled one
   * @param pendingDeadlines its pending deadlines
   */
  public record InstanceSummary(String processId, long inputs, Instant updatedAt, long pendingDeadlines) {}

  /**
   * One process instance in full.
   *
   * @param workflow the workflow's name
   * @param processId its id
   * @param streamId its own stream (its inputs)
   * @param state its state as stored (JSON), or null if it has handled no input
   * @param inputs how many inputs it handled
   * @param updatedAt when it last handled one, or null
   * @param history the inputs it handled, in order, with what it did
   * @param deadlines its deadlines, by due time
   */
  public record Instance(
      String workflow,
      String processId,
      String streamId,
      @Nullable String state,
      long inputs,
      @Nullable Instant updatedAt,
      List<HistoryEntry> history,
      List<DeadlineView> deadlines) {

    /** Copies the lists. */
    public Instance {
      history = List.copyOf(history);
      deadlines = List.copyOf(deadlines);
    }
  }

  private final JdbcEventStore store;
  private final ProjectionManager projections;
  private final String registry;
  private final String deadlineTable;

  /**
   * Reads the workflows of a store.
   *
   * @param store the event store (its schema and table prefix name the tables)
   * @param projections a projection manager on the same store
   */
  public WorkflowCatalog(JdbcEventStore store, ProjectionManager projections) {
    this.store = store;
    this.projections = projections;
    this.registry = store.tables().qualified("workflows");
    this.deadlineTable = store.tables().qualified("workflow_deadlines");
  }

  static void register(JdbcEventStore store, String name, int version) {
    store.jdbi()
        .useHandle(
            h -> h.createUpdate(
                    "INSERT INTO " + store.tables().qualified("workflows") + " (name, version) VALUES (:n, :v)"
                        + " ON CONFLICT (name) DO UPDATE SET version = excluded.version")
                .bind("n", name)
                .bind("v", version)
                .execute());
  }

  /**
   * Lists the workflows, by name.
   *
   * @return one summary each
   */
  public List<Summary> list() {
    return store.jdbi()
        .withHandle(
            h -> !exists(h, registry)
                ? List.<Summary>of()
                : h.createQuery("SELECT name, version FROM " + registry + " ORDER BY name")
                    .map((rs, ctx) -> new Object[] {rs.getString(1), rs.getInt(2)})
                    .list()
                    .stream()
                    .map(row -> summary(h, (String) row[0], (Integer) row[1]))
                    .toList());
  }

  /**
   * Returns one workflow.
   *
   * @param name its name
   * @return its summary
   * @throws NoSuchElementException if no workflow of that name is installed
   */
  public Summary get(String name) {
    return store.jdbi().withHandle(h -> summary(h, name, registered(h, name)));
  }

  /**
   * Lists a workflow's process instances, the most recently active first.
   *
   * @param name the workflow
   * @param limit at most this many, 1 to 500
   * @return the instances
   * @throws NoSuchElementException if no workflow of that name is installed
   * @throws IllegalArgumentException if the limit is out of range
   */
  public List<InstanceSummary> instances(String name, int limit) {
    if (limit < 1 || limit > 500) {
      throw new IllegalArgumentException("limit must be between 1 and 500, was " + limit);
    }
    return store.jdbi()
        .withHandle(
            h -> {
              ReadModel model = model(name, registered(h, name));
              if (!installed(h, model)) {
                return List.of();
              }
              return h.createQuery(
                      "SELECT s.process_id, s.seq, s.updated_at, (SELECT count(*) FROM " + deadlineTable
                          + " d WHERE d.workflow = :w AND d.process_id = s.process_id AND d.status = 'pending')"
                          + " FROM " + model.table() + " s ORDER BY s.updated_at DESC, s.process_id LIMIT :l")
                  .bind("w", name)
                  .bind("l", limit)
                  .map(
                      (rs, ctx) ->
                          new InstanceSummary(rs.getString(1), rs.getLong(2), rs.getTimestamp(3).toInstant(), rs.getLong(4)))
                  .list();
            });
  }

  /**
   * Returns one process instance: state, history and deadlines.
   *
   * @param name the workflow
   * @param processId the instance
   * @return the instance
   * @throws NoSuchElementException if the workflow is not installed, or the instance has neither
   *     handled an input nor a deadline
   */
  public Instance instance(String name, String processId) {
    Instance found =
        store.jdbi()
            .withHandle(
                h -> {
                  ReadModel model = model(name, registered(h, name));
                  String state = null;
                  long inputs = 0;
                  Instant updated = null;
                  List<HistoryEntry> history = List.of();
                  if (installed(h, model)) {
                    Optional<Object[]> row =
                        h.createQuery("SELECT state::text, seq, updated_at FROM " + model.table() + " WHERE process_id = :p")
                            .bind("p", processId)
                            .map((rs, ctx) -> new Object[] {rs.getString(1), rs.getLong(2), instant(rs.getTimestamp(3))})
                            .findOne();
                    if (row.isPresent()) {
                      state = (String) row.get()[0];
                      inputs = (Long) row.get()[1];
                      updated = (Instant) row.get()[2];
                    }
                    history =
                        h.createQuery(
                                "SELECT seq, input, detail, actions, at FROM " + model.table("history")
                                    + " WHERE process_id = :p ORDER BY seq")
                            .bind("p", processId)
                            .map(
                                (rs, ctx) ->
                                    new HistoryEntry(
                                        rs.getLong(1), rs.getString(2), rs.getString(3),
                                        Arrays.asList((String[]) rs.getArray(4).getArray()),
                                        rs.getTimestamp(5).toInstant()))
                            .list();
                  }
                  return new Instance(name, processId, name + ":" + processId, state, inputs, updated, history, List.of());
                });
    List<DeadlineView> deadlines = new Deadlines(store.jdbi(), deadlineTable, name).of(processId);
    if (found.state() == null && found.history().isEmpty() && deadlines.isEmpty()) {
      throw new NoSuchElementException("workflow " + name + " has no process instance " + processId.replaceAll("\\p{Cntrl}", "?"));
    }
    return new Instance(
        found.workflow(), found.processId(), found.streamId(), found.state(), found.inputs(), found.updatedAt(),
        found.history(), deadlines);
  }

  /**
   * Puts a workflow's failed deadlines back to pending; a running scheduler (in any process)
   * fires them at its next round.
   *
   * @param name the workflow
   * @return how many were put back
   * @throws NoSuchElementException if no workflow of that name is installed
   */
  public int retryFailedDeadlines(String name) {
    store.jdbi().useHandle(h -> registered(h, name));
    return new Deadlines(store.jdbi(), deadlineTable, name).retryFailed();
  }

  private int registered(Handle h, String name) {
    if (!exists(h, registry)) {
      throw new NoSuchElementException("no workflow " + name.replaceAll("\\p{Cntrl}", "?") + ": no workflow was migrated in this store");
    }
    return h.createQuery("SELECT version FROM " + registry + " WHERE name = :n")
        .bind("n", name)
        .mapTo(Integer.class)
        .findOne()
        .orElseThrow(() -> new NoSuchElementException("no workflow " + name.replaceAll("\\p{Cntrl}", "?")));
  }

  private ReadModel model(String name, int registeredVersion) {
    int version = projections.activeVersion(name).orElse(registeredVersion);
    return projections.readModel(new ProjectionSpec(name, version, Set.of()));
  }

  private static boolean installed(Handle h, ReadModel model) {
    return exists(h, model.table());
  }

  private static boolean exists(Handle h, String table) {
    return h.createQuery("SELECT to_regclass(:t) IS NOT NULL").bind("t", table).mapTo(Boolean.class).one();
  }

  private Summary summary(Handle h, String name, int registeredVersion) {
    ReadModel model = model(name, registeredVersion);
    String status = projections.status(model.spec()).orElse(null);
    long instances =
        installed(h, model) ? h.createQuery("SELECT count(*) FROM " + model.table()).mapTo(Long.class).one() : 0;
    DeadlineCounts counts = new Deadlines(store.jdbi(), deadlineTable, name).counts();
    Instant overdue =
        h.createQuery(
                "SELECT min(due_at) FROM " + deadlineTable + " WHERE workflow = :w AND status = 'pending' AND due_at < now()")
            .bind("w", name)
            .map((rs, ctx) -> instant(rs.getTimestamp(1)))
            .one();
    return new Summary(name, model.spec().version(), status, instances, counts, overdue);
  }

  private static @Nullable Instant instant(@Nullable Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
