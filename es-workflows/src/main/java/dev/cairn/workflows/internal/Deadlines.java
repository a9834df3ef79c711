package dev.cairn.workflows.internal;

import dev.cairn.api.EventMetadata;
import dev.cairn.workflows.DeadlineCounts;
import dev.cairn.workflows.DeadlineView;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jspecify.annotations.Nullable;

/** The statements on one workflow's rows of the deadlines table. */
public final class Deadlines {

  /**
   * A deadline claimed for firing.
   *
   * @param id its id
   * @param processId the instance
   * @param name its name
   * @param payload its payload
   * @param due when it was due
   * @param attempts failed attempts so far
   * @param metadata the correlation id and traceparent of the input that scheduled it
   */
  public record Due(UUID id, String processId, String name, String payload, Instant due, int attempts, EventMetadata metadata) {}

  private final Jdbi jdbi;
  private final String table;
  private final String workflow;

  /**
   * Names the table.
   *
   * @param jdbi the store's Jdbi
   * @param table the deadlines table, qualified and validated
   * @param workflow the workflow's name
   */
  public Deadlines(Jdbi jdbi, String table, String workflow) {
    this.jdbi = jdbi;
    this.table = table;
    this.workflow = workflow;
  }

  /**
   * Schedules a deadline in the caller's transaction, replacing a pending one of the same name;
   * scheduling the same id again does nothing.
   *
   * @param h the runner's transaction
   * @param id the deadline's id
   * @param processId the instance
   * @param name its name
   * @param payload its payload
   * @param due when it falls due
   * @param metadata correlation id and traceparent to carry to the firing
   */
  public void schedule(Handle h, UUID id, String processId, String name, String payload, Instant due, EventMetadata metadata) {
    h.createUpdate(
            "UPDATE " + table + " SET status = 'cancelled', updated_at = now() WHERE workflow = :w AND process_id = :p"
                + " AND name = :name AND status = 'pending' AND deadline_id <> :id")
        .bind("w", workflow)
        .bind("p", processId)
        .bind("name", name)
        .bind("id", id)
        .execute();
    h.createUpdate(
            "INSERT INTO " + table + " (deadline_id, workflow, process_id, name, payload, due_at, status, correlation_id,"
                + " traceparent) VALUES (:id, :w, :p, :name, :payload, :due, 'pending', :corr, :tp)"
                + " ON CONFLICT (deadline_id) DO NOTHING")
        .bind("id", id)
        .bind("w", workflow)
        .bind("p", processId)
        .bind("name", name)
        .bind("payload", payload)
        .bind("due", Timestamp.from(due))
        .bind("corr", metadata.correlationId())
        .bind("tp", metadata.traceparent())
        .execute();
  }

  /**
   * Cancels the instance's deadlines of a name in the caller's transaction: pending ones, and fired
   * ones whose firing the process has not handled yet.
   *
   * @param h the runner's transaction
   * @param processId the instance
   * @param name the name
   * @return how many were cancelled
   */
  public int cancel(Handle h, String processId, String name) {
    return h.createUpdate(
            "UPDATE " + table + " SET status = 'cancelled', updated_at = now() WHERE workflow = :w AND process_id = :p"
                + " AND name = :name AND status IN ('pending', 'fired', 'failed')")
        .bind("w", workflow)
        .bind("p", processId)
        .bind("name", name)
        .execute();
  }

  /**
   * Marks a firing as handled, in the runner's transaction, unless the deadline was cancelled
   * before its firing's turn came.
   *
   * @param h the runner's transaction
   * @param id the deadline
   * @return true if the process is to handle the firing, false if it was cancelled
   */
  public boolean takeForHandling(Handle h, UUID id) {
    return h.createUpdate(
                "UPDATE " + table + " SET status = 'handled', updated_at = now()"
                    + " WHERE deadline_id = :id AND status IN ('pending', 'fired')")
            .bind("id", id)
            .execute()
        == 1;
  }

  /**
   * Claims due deadlines for the caller's transaction; rows another instance holds are skipped.
   *
   * @param h a transaction that will mark them fired or failed
   * @param limit the most to claim
   * @return the claimed deadlines, earliest first
   */
  public List<Due> claimDue(Handle h, int limit) {
    return h.createQuery(
            "SELECT deadline_id, process_id, name, payload, due_at, attempts, correlation_id, traceparent FROM " + table
                + " WHERE status = 'pending' AND workflow = :w AND due_at <= now()"
                + " AND (next_attempt_at IS NULL OR next_attempt_at <= now())"
                + " ORDER BY due_at LIMIT :limit FOR UPDATE SKIP LOCKED")
        .bind("w", workflow)
        .bind("limit", limit)
        .map(
            (rs, ctx) ->
                new Due(
                    rs.getObject(1, UUID.class),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getTimestamp(5).toInstant(),
                    rs.getInt(6),
                    EventMetadata.EMPTY.withCorrelationId(rs.getString(7)).withTraceparent(rs.getString(8))))
        .list();
  }

  /**
   * Marks a claimed deadline fired.
   *
   * @param h the claiming transaction
   * @param id the deadline
   */
  public void fired(Handle h, UUID id) {
    h.createUpdate(
            "UPDATE " + table + " SET status = 'fired', fired_at = now(), attempts = attempts + 1, last_error = NULL,"
                + " updated_at = now() WHERE deadline_id = :id AND status = 'pending'")
        .bind("id", id)
        .execute();
  }

  /**
   * Records a failed attempt to fire: the deadline is tried again after the backoff, or marked
   * failed after the last attempt.
   *
   * @param h the claiming transaction
   * @param id the deadline
   * @param error what failed
   * @param backoff how long to wait before the next attempt
   * @param last true to give up
   */
  public void failedAttempt(Handle h, UUID id, String error, Duration backoff, boolean last) {
    h.createUpdate(
            "UPDATE " + table + " SET attempts = attempts + 1, last_error = :err, updated_at = now(),"
                + " next_attempt_at = now() + :backoff * interval '1 millisecond',"
                + " status = CASE WHEN :last THEN 'failed' ELSE status END WHERE deadline_id = :id")
        .bind("err", error)
        .bind("backoff", backoff.toMillis())
        .bind("last", last)
        .bind("id", id)
        .execute();
  }

  /**
   * Returns the earliest due time of a pending deadline.
   *
   * @return the instant, or null if none is pending
   */
  public @Nullable Instant nextDue() {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT min(greatest(due_at, coalesce(next_attempt_at, due_at))) FROM " + table
                        + " WHERE workflow = :w AND status = 'pending'")
                .bind("w", workflow)
                .map((rs, ctx) -> rs.getTimestamp(1) == null ? null : rs.getTimestamp(1).toInstant())
                .one());
  }

  /**
   * Counts the workflow's deadlines by status.
   *
   * @return the counts
   */
  public DeadlineCounts counts() {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT count(*) FILTER (WHERE status = 'pending'),"
                        + " count(*) FILTER (WHERE status IN ('fired', 'handled')),"
                        + " count(*) FILTER (WHERE status = 'failed'),"
                        + " count(*) FILTER (WHERE status = 'cancelled'),"
                        + " min(due_at) FILTER (WHERE status = 'pending') FROM " + table + " WHERE workflow = :w")
                .bind("w", workflow)
                .map(
                    (rs, ctx) ->
                        new DeadlineCounts(
                            rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                            rs.getTimestamp(5) == null ? null : rs.getTimestamp(5).toInstant()))
                .one());
  }

  /**
   * Lists an instance's deadlines.
   *
   * @param processId the instance
   * @return its deadlines, by due time
   */
  public List<DeadlineView> of(String processId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT deadline_id, name, due_at, status, attempts, last_error FROM " + table
                        + " WHERE workflow = :w AND process_id = :p ORDER BY due_at, created_at")
                .bind("w", workflow)
                .bind("p", processId)
                .map(
                    (rs, ctx) ->
                        new DeadlineView(
                            rs.getObject(1, UUID.class), rs.getString(2), rs.getTimestamp(3).toInstant(),
                            rs.getString(4), rs.getInt(5), rs.getString(6)))
                .list());
  }

  /**
   * Puts failed deadlines back to pending, to be fired again at once.
   *
   * @return how many
   */
  public int retryFailed() {
    return jdbi.withHandle(
        h ->
            h.createUpdate(
                    "UPDATE " + table + " SET status = 'pending', attempts = 0, next_attempt_at = NULL, updated_at = now()"
                        + " WHERE workflow = :w AND status = 'failed'")
                .bind("w", workflow)
                .execute());
  }

  /**
   * Returns the Jdbi the statements run on.
   *
   * @return the Jdbi
   */
  public Jdbi jdbi() {
    return jdbi;
  }
}
