package dev.cairn.store.jdbc;

import static org.awaitility.Awaitility.await;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;

/** Helpers shared by the store's tests. */
final class StoreTestSupport {

  private StoreTestSupport() {}

  static JdbcEventStore migratedStore(DataSource ds) {
    JdbcEventStore store = JdbcEventStore.builder(ds).meterRegistry(new SimpleMeterRegistry()).build();
    store.migrate();
    return store;
  }

  static NewEvent event(String type, String json) {
    return new NewEvent(UUID.randomUUID(), type, 1, json, EventMetadata.EMPTY);
  }

  static AppendRequest request(String stream, long expected, int count) {
    List<NewEvent> events =
        IntStream.range(0, count).mapToObj(i -> event("Deposited", "{\"amount\":" + (expected + i + 1) + "}")).toList();
    return new AppendRequest(stream, "account", expected, events);
  }

  /** Reads the whole global order from a position, in batches of the given size. */
  static List<RecordedEvent> readAll(JdbcEventStore store, GlobalPosition from, int batch) {
    List<RecordedEvent> all = new ArrayList<>();
    GlobalPosition at = from;
    while (true) {
      List<RecordedEvent> page = store.readGlobal(at, batch);
      if (page.isEmpty()) {
        return all;
      }
      all.addAll(page);
      at = page.get(page.size() - 1).position();
    }
  }

  /** Waits until exactly one session whose current query is like the pattern waits on a lock. */
  static void awaitOneWaitingOnALock(Jdbi jdbi, String queryLike) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                jdbi.withHandle(
                    h ->
                        h.createQuery(
                                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE :q")
                            .bind("q", queryLike)
                            .mapTo(Integer.class)
                            .one())
                    == 1);
  }
}
