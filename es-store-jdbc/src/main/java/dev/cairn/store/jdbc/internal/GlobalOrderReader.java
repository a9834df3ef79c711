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

  private final String readSql;
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
