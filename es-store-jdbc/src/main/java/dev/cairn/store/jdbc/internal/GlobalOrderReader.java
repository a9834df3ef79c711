package dev.cairn.store.jdbc.internal;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.store.jdbc.FenceDelay;
import dev.cairn.store.jdbc.spi.StoreTables;
import java.time.OffsetDateTime;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * Reads the global order {@code (tx_id, global_position)}. Every query is fenced by the {@link
 * GlobalFence}: no transaction that could still append below it is open, so nothing can appear
 * behind what a read returns, however long a writer takes to commit.
 */
public final class GlobalOrderReader {

  private static final String READ = """
      WITH %s
      SELECT %s FROM %s
      WHERE (tx_id, global_position) > (CAST(CAST(:tx AS text) AS xid8), :pos)
        AND tx_id < (SELECT tx_id FROM fence)
      ORDER BY tx_id, global_position LIMIT :limit
      """;

  private static final String HEAD = """
      WITH %s
      SELECT tx_id::text AS tx_text, global_position FROM %s
      WHERE tx_id < (SELECT tx_id FROM fence)
      ORDER BY tx_id DESC, global_position DESC LIMIT 1
      """;

  private static final String COUNT_AFTER = """
      WITH %s
      SELECT count(*) FROM %s
      WHERE (tx_id, global_position) > (CAST(CAST(:tx AS text) AS xid8), :pos)
        AND tx_id < (SELECT tx_id FROM fence)
      """;

  // Committed events at or above the fence: appended, but not yet readable.
  private static final String FENCE_DELAY = """
      WITH %s
      SELECT count(*) AS waiting, min(recorded_at) AS oldest FROM %s
      WHERE tx_id >= (SELECT tx_id FROM fence)
      """;

  // A reader's position can only be ahead of the database if the database went back in time: a
  // restore from a backup, or a failover to a replica that had not received the last commits.
  private static final String POSITION_AHEAD = """
      SELECT CAST(CAST(:tx AS text) AS xid8) >= pg_snapshot_xmax(pg_current_snapshot()) AS tx_ahead,
        pg_snapshot_xmax(pg_current_snapshot())::text AS next_tx,
        (SELECT coalesce(max(global_position), 0) FROM %s) AS last_position
      """;

  private final String readSql;
  private final String positionAheadSql;
  private final String headSql;
  private final String countAfterSql;
  private final String fenceDelaySql;

  /**
   * Creates the reader.
   *
   * @param tables the store's tables
   * @param fence the store's fence
   */
  public GlobalOrderReader(StoreTables tables, GlobalFence fence) {
    String events = tables.qualified("events");
    this.readSql = READ.formatted(fence.cte(), EventRows.COLUMNS, events);
    this.headSql = HEAD.formatted(fence.cte(), events);
    this.countAfterSql = COUNT_AFTER.formatted(fence.cte(), events);
    this.fenceDelaySql = FENCE_DELAY.formatted(fence.cte(), events);
    this.positionAheadSql = POSITION_AHEAD.formatted(events);
  }

  /**
   * Explains why a reader's position lies beyond anything this database has committed, if it
   * does: its transaction id is not below the next one the server will assign, or its position is
   * past the last event. Only a database that went back in time (a restore from a backup, an
   * asynchronous failover) does that, and a reader there would skip every event appended since.
   *
   * @param h the handle
   * @param position the reader's position
   * @return the explanation, naming the values, or empty if the position is consistent
   */
  public java.util.Optional<String> positionAhead(Handle h, GlobalPosition position) {
    if (position.equals(GlobalPosition.START)) {
      return java.util.Optional.empty();
    }
    return h.createQuery(positionAheadSql)
        .bind("tx", position.txId())
        .map((rs, ctx) -> {
          boolean txAhead = rs.getBoolean("tx_ahead");
          long last = rs.getLong("last_position");
          if (!txAhead && position.position() <= last) {
            return java.util.Optional.<String>empty();
          }
          return java.util.Optional.of(
              "transaction ids went backwards: the reader's position is transaction " + position.txId()
                  + ", event " + position.position() + ", but the database's next transaction id is "
                  + rs.getString("next_tx") + " and its last event is " + last
                  + "; the database was restored from a backup or failed over to a replica that lacked the"
                  + " last commits, and events appended since would be skipped (see docs/global-order.md,"
                  + " 'Transaction ids that went backwards')");
        })
        .one();
  }

  /**
   * Counts the committed events that readers cannot see yet because a transaction that may still
   * append holds the fence below them, and finds when the oldest of them was appended.
   *
   * @param h the handle
   * @return the delay
   */
  public FenceDelay fenceDelay(Handle h) {
    return h.createQuery(fenceDelaySql)
        .map((rs, ctx) -> {
          OffsetDateTime oldest = rs.getObject("oldest", OffsetDateTime.class);
          return new FenceDelay(rs.getLong("waiting"), oldest == null ? null : oldest.toInstant());
        })
        .one();
  }

  /**
   * Reads the events after a position.
   *
   * @param h the handle
   * @param after the last position already read
   * @param limit the most events to return
   * @return the events in global order
   */
  public List<RecordedEvent> read(Handle h, GlobalPosition after, int limit) {
    return h.createQuery(readSql)
        .bind("tx", after.txId())
        .bind("pos", after.position())
        .bind("limit", limit)
        .map(EventRows.MAPPER)
        .list();
  }

  /**
   * Returns the position of the newest event readers can see now.
   *
   * @param h the handle
   * @return the head, or {@link GlobalPosition#START} if the store is empty
   */
  public GlobalPosition head(Handle h) {
    return h.createQuery(headSql)
        .map((rs, ctx) -> new GlobalPosition(Long.parseLong(rs.getString("tx_text")), rs.getLong("global_position")))
        .findOne()
        .orElse(GlobalPosition.START);
  }

  /**
   * Counts the events after a position that readers can see now.
   *
   * @param h the handle
   * @param after the reader's position
   * @return the number of visible events after it
   */
  public long countAfter(Handle h, GlobalPosition after) {
    return h.createQuery(countAfterSql)
        .bind("tx", after.txId())
        .bind("pos", after.position())
        .mapTo(Long.class)
        .one();
  }
}
