package dev.cairn.admin;

import dev.cairn.store.jdbc.FenceDelay;
import dev.cairn.store.jdbc.JdbcEventStore;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** What the event store holds and what holds its readers back. */
public final class StoreService {

  private final @Nullable JdbcEventStore store;

  StoreService(@Nullable JdbcEventStore store) {
    this.store = store;
  }

  /**
   * The store at a glance.
   *
   * @param headPosition the newest position readers can see, {@code tx/pos}
   * @param events events in all
   * @param streams streams in all
   * @param streamTypes per stream type
   * @param fence events committed but held back by the global-order fence
   * @param oldestOpenTransaction the oldest open or prepared transaction holding the fence, or null
   */
  public record Overview(
      String headPosition,
      long events,
      long streams,
      List<StreamTypeCount> streamTypes,
      Fence fence,
      @Nullable Transaction oldestOpenTransaction) {}

  /**
   * One stream type's counts.
   *
   * @param streamType the type
   * @param streams its streams
   * @param events its events
   */
  public record StreamTypeCount(String streamType, long streams, long events) {}

  /**
   * Events that readers cannot see yet because a transaction holds the fence below them.
   *
   * @param eventsWaiting how many
   * @param oldestWaitingAgeMs how long the oldest has waited, in milliseconds
   */
  public record Fence(long eventsWaiting, long oldestWaitingAgeMs) {}

  /**
   * An open (or prepared) transaction holding the global-order fence.
   *
   * @param pid the backend's process id ({@code pg_terminate_backend})
   * @param database its database
   * @param ageMs how long it has been open, in milliseconds
   * @param state its state, e.g. {@code idle in transaction} or {@code prepared}
   * @param query the start of its last statement, or null for a prepared transaction
   */
  public record Transaction(int pid, String database, long ageMs, String state, @Nullable String query) {}

  /**
   * Reads the overview.
   *
   * @return the overview
   */
  public Overview overview() {
    JdbcEventStore store = required(this.store);
    String streamsTable = store.qualifiedTable("streams");
    List<StreamTypeCount> types =
        store.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "SELECT stream_type, count(*) AS streams, coalesce(sum(version), 0) AS events FROM " + streamsTable
                                + " GROUP BY stream_type ORDER BY stream_type")
                        .map((rs, ctx) -> new StreamTypeCount(rs.getString(1), rs.getLong(2), rs.getLong(3)))
                        .list());
    FenceDelay delay = store.fenceDelay();
    Transaction tx =
        store.oldestOpenTransaction()
            .map(t -> new Transaction(t.pid(), t.database(), t.age().toMillis(), t.state(), t.query()))
            .orElse(null);
    return new Overview(
        store.headPosition().toString(),
        types.stream().mapToLong(StreamTypeCount::events).sum(),
        types.stream().mapToLong(StreamTypeCount::streams).sum(),
        types,
        new Fence(delay.eventsWaiting(), delay.age(Instant.now()).toMillis()),
        tx);
  }


  /**
   * Returns a service's event store; throws if the admin has none (a read side), for the services
   * that read the store: this one, the relay's and the streams'.
   */
  static JdbcEventStore required(@Nullable JdbcEventStore store) {
    if (store == null) {
      throw new UnsupportedOperationException("this process is a read side: it has no event store");
    }
    return store;
  }
}
