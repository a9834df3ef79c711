package dev.cairn.admin;

import dev.cairn.api.GlobalPosition;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.bus.kafka.RelayStatus;
import dev.cairn.store.jdbc.JdbcEventStore;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The relays of a store: each relay's last recorded position (from any process), with the live
 * status of the relay running in this process, if any.
 */
public final class RelayService {

  private final @Nullable JdbcEventStore store;
  private final @Nullable KafkaRelay relay;

  RelayService(@Nullable JdbcEventStore store, @Nullable KafkaRelay relay) {
    this.store = store;
    this.relay = relay;
  }

  /**
   * One relay.
   *
   * @param transactionalId its Kafka transactional id
   * @param live whether it runs in this process (then state and lastError are live)
   * @param state {@code ACTIVE}, {@code STANDBY}, {@code FAILED} or {@code STOPPED}; null if not live
   * @param position the last position it committed to Kafka, {@code tx/pos}
   * @param eventsBehind events after that position that readers can see
   * @param readDelayMs how long the oldest event held back by the global-order fence has waited
   * @param publishDelayMs how long the oldest unpublished event has waited
   * @param lastError its last failure, or null
   * @param updatedAt when the position was last recorded, or null
   */
  public record View(
      String transactionalId,
      boolean live,
      @Nullable String state,
      String position,
      long eventsBehind,
      long readDelayMs,
      long publishDelayMs,
      @Nullable String lastError,
      @Nullable Instant updatedAt) {}

  private record Recorded(String transactionalId, GlobalPosition position, Instant updatedAt) {}

  /**
   * Lists the relays.
   *
   * @return the relays, the live one first
   */
  public List<View> list() {
    JdbcEventStore store = StoreService.required(this.store);
    String table = store.qualifiedTable("relay_positions");
    List<Recorded> recorded =
        store.jdbi()
            .withHandle(
                h -> {
                  boolean exists = h.createQuery("SELECT to_regclass(:t) IS NOT NULL").bind("t", table).mapTo(Boolean.class).one();
                  if (!exists) {
                    return List.<Recorded>of();
                  }
                  return h.createQuery("SELECT transactional_id, tx_id, global_position, updated_at FROM " + table + " ORDER BY transactional_id")
                      .map(
                          (rs, ctx) ->
                              new Recorded(
                                  rs.getString(1),
                                  new GlobalPosition(rs.getLong(2), rs.getLong(3)),
                                  rs.getObject(4, OffsetDateTime.class).toInstant()))
                      .list();
                });
    long readDelay = store.fenceDelay().age(Instant.now()).toMillis();
    List<View> out = new ArrayList<>();
    if (relay != null) {
      RelayStatus s = relay.status();
      Optional<Recorded> mine = recorded.stream().filter(r -> r.transactionalId().equals(relay.transactionalId())).findFirst();
      GlobalPosition at = s.position();
      Duration staleness = s.staleness();
      out.add(
          new View(
              relay.transactionalId(),
              true,
              s.state().name(),
              at.toString(),
              store.countAfter(at),
              readDelay,
              staleness == null ? publishDelay(at) : staleness.toMillis(),
              s.lastError(),
              mine.map(Recorded::updatedAt).orElse(null)));
    }
    for (Recorded r : recorded) {
      if (relay != null && r.transactionalId().equals(relay.transactionalId())) {
        continue;
      }
      out.add(
          new View(r.transactionalId(), false, null, r.position().toString(), store.countAfter(r.position()), readDelay, publishDelay(r.position()), null, r.updatedAt()));
    }
    return out;
  }

  /** How long the first event after a position (in global order) has waited, in milliseconds (0 if none). */
  private long publishDelay(GlobalPosition after) {
    JdbcEventStore store = StoreService.required(this.store);
    String events = store.qualifiedTable("events");
    return store.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "SELECT coalesce((SELECT (extract(epoch FROM now() - recorded_at) * 1000)::bigint FROM " + events
                            + " WHERE (tx_id, global_position) > (CAST(CAST(:tx AS text) AS xid8), :pos)"
                            + " ORDER BY tx_id, global_position LIMIT 1), 0)")
                    .bind("tx", after.txId())
                    .bind("pos", after.position())
                    .mapTo(Long.class)
                    .one());
  }
}
