package dev.cairn.store.jdbc.internal;

import dev.cairn.api.spi.Checks;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The global-order fence (DESIGN rule 2): the transaction id below which no event can still
 * appear.
 *
 * <p>Every transaction that may append to a store first takes a shared transaction-level advisory
 * lock of that store (its <em>declaration</em>), before it writes anything, so before it holds a
 * transaction id. The fence is the oldest transaction id that was running when the reader's
 * snapshot was taken, unless {@code pg_locks} shows that transaction still running without the
 * declaration: such a transaction already holds its id, so it can never declare itself (append
 * paths refuse a transaction that holds an id and has not declared), so it can never insert an
 * event. With no such transaction running the fence is the snapshot's {@code xmax}. A read-model
 * write, a transaction in another database, or one on an unrelated table therefore no longer
 * holds readers back; an appender (open, or prepared) still does.
 *
 * <p>Why nothing is skipped: an event with {@code tx_id < fence} that the reader's snapshot does not
 * see was written by a transaction in the snapshot's running set. Every such transaction below the
 * fence was seen in {@code pg_locks}, after the snapshot was taken, holding its id without the
 * declaration; it cannot declare later, so it wrote no event. A transaction that ended between the
 * snapshot and the read of {@code pg_locks} is not in {@code pg_locks}, so it holds the fence (the
 * next read passes it). {@code pg_locks} is read once (a materialized CTE) so the owner's
 * transaction-id lock and its declaration come from one consistent picture of the lock table.
 *
 * <p>The two locks are matched by the backend's pid, not by {@code virtualtransaction}: {@code
 * pg_locks} fills that column from the backend's current local transaction id, read without a
 * lock, and a commit resets it between the two rows (a stress test caught an appender whose
 * transaction-id lock showed {@code 11/1251} and its declaration {@code 11/0} mid-commit, so the
 * reader passed it and skipped its events). A backend's transaction-level locks at one instant all
 * belong to one transaction, so the pid is enough. A prepared transaction has no pid; its
 * virtual transaction ({@code -1/xid}) never changes.
 */
public final class GlobalFence {

  /** The advisory lock's first key, the same for every store: "Cairn append" in four bytes. */
  static final int LOCK_CLASS = 0x43416170;

  private final int lockObject;
  private final String cte;

  /**
   * Creates the fence of a store.
   *
   * @param qualifiedEventsTable the store's events table, {@code schema.prefix_events}
   */
  public GlobalFence(String qualifiedEventsTable) {
    this.lockObject = keyOf(qualifiedEventsTable);
    this.cte =
        """
        fence_snapshot AS MATERIALIZED (SELECT pg_current_snapshot() AS s),
        fence_locks AS MATERIALIZED (
          SELECT locktype, mode, granted, transactionid, pid, virtualtransaction, database, classid, objid, objsubid
          FROM pg_locks WHERE locktype IN ('transactionid', 'advisory')),
        fence AS (
          SELECT CASE WHEN pg_snapshot_xmin(s) = pg_snapshot_xmax(s) THEN pg_snapshot_xmax(s)
            ELSE coalesce(
              (SELECT min(x) FROM pg_snapshot_xip(s) AS x
               WHERE NOT EXISTS (
                 SELECT 1 FROM fence_locks t
                 WHERE t.locktype = 'transactionid' AND t.mode = 'ExclusiveLock' AND t.granted
                   AND t.transactionid = x::xid
                   AND NOT EXISTS (
                     SELECT 1 FROM fence_locks a
                     WHERE (a.pid = t.pid OR (a.pid IS NULL AND t.pid IS NULL AND a.virtualtransaction = t.virtualtransaction))
                       AND %s))),
              pg_snapshot_xmax(s)) END AS tx_id
          FROM fence_snapshot)
        """
            .formatted(declarationOf("a"));
  }

  /**
   * Returns the common table expressions that define {@code fence(tx_id)}: put them after {@code
   * WITH} and compare {@code tx_id < (SELECT tx_id FROM fence)}.
   *
   * @return the CTEs, without {@code WITH}
   */
  public String cte() {
    return cte;
  }

  /**
   * Returns the statement that declares the current transaction as one that may append; it must
   * run before the transaction's first write.
   *
   * @return the SQL
   */
  public String declareSql() {
    return "SELECT pg_advisory_xact_lock_shared(" + LOCK_CLASS + ", " + lockObject + ")";
  }

  /**
   * Returns the query that tells whether the current transaction has declared itself, and the
   * transaction id it holds (null if none), as columns {@code declared} and {@code tx_text}.
   *
   * @return the SQL
   */
  public String declarationStateSql() {
    return "SELECT EXISTS (SELECT 1 FROM pg_locks a WHERE a.pid = pg_backend_pid() AND "
        + declarationOf("a") + ") AS declared, pg_current_xact_id_if_assigned()::text AS tx_text";
  }

  /**
   * Returns a condition on a {@code pg_locks} row aliased {@code alias} that holds when the row is
   * a granted declaration of this store.
   *
   * @param alias the alias of {@code pg_locks}
   * @return the condition
   */
  public String declarationOf(String alias) {
    Checks.sqlIdentifier("alias", alias);
    return alias + ".locktype = 'advisory' AND " + alias + ".granted AND " + alias + ".objsubid = 2 AND "
        + alias + ".classid = " + Integer.toUnsignedString(LOCK_CLASS) + "::oid AND " + alias + ".objid = "
        + Integer.toUnsignedString(lockObject) + "::oid AND " + alias
        + ".database = (SELECT oid FROM pg_database WHERE datname = current_database())";
  }

  private static int keyOf(String identity) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
      return ((hash[0] & 0xff) << 24) | ((hash[1] & 0xff) << 16) | ((hash[2] & 0xff) << 8) | (hash[3] & 0xff);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
