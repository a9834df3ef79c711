package dev.cairn.store.jdbc;

import static dev.cairn.store.jdbc.StoreTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.api.AppendRequest;
import dev.cairn.api.AppendResult;
import dev.cairn.api.ConcurrencyConflictException;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.EventStoreException;
import dev.cairn.api.NewEvent;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An append alone on an auto-commit connection is one round trip, {@code BEGIN ...; COMMIT}
 * included. A statement that fails leaves a failed transaction block on the connection; the store
 * ends it, so the pool's only connection stays usable.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OneRoundTripTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();

  @Test
  void failedAppends_leaveThePoolsOnlyConnectionUsable() {
    boolean autoCommit = true;
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(pg.jdbcUrl());
    config.setMaximumPoolSize(1);
    config.setAutoCommit(autoCommit);
    config.setConnectionTimeout(5_000);
    String schema = "trip_auto";
    // Flyway needs two connections: migrate on the test's data source.
    JdbcEventStore.builder(pg.dataSource()).schema(schema).meterRegistry(new SimpleMeterRegistry()).build().migrate();
    try (HikariDataSource pool = new HikariDataSource(config)) {
      JdbcEventStore store =
          JdbcEventStore.builder(pool).schema(schema).meterRegistry(new SimpleMeterRegistry()).build();
      AppendResult first = store.append(request("s-1", 0, 1));

      // A unique violation inside the round trip: the commit after it was skipped.
      NewEvent reused = new NewEvent(first.events().get(0).eventId(), "Deposited", 1, "{}", EventMetadata.EMPTY);
      assertThatThrownBy(() -> store.append(new AppendRequest("s-2", "account", 0, List.of(reused))))
          .isInstanceOf(EventStoreException.class);
      // A lost compare-and-set: nothing written, the actual version named.
      assertThatThrownBy(() -> store.append(request("s-1", 0, 1)))
          .isInstanceOf(ConcurrencyConflictException.class)
          .hasMessageContaining("expected version 0 but was 1");

      AppendResult next = store.append(request("s-1", 1, 2));
      assertThat(next.version()).isEqualTo(3);
      assertThat(store.readStream("s-2", 0, 10)).isEmpty();
      assertThat(store.readStream("s-1", 0, 10)).hasSize(3);
    }
  }

  @Test
  void anAppendAlone_runsAtRepeatableRead_soARowChangedAfterItsSnapshotIsAConflict() throws Exception {
    JdbcEventStore store =
        JdbcEventStore.builder(pg.dataSource()).schema("trip_level").meterRegistry(new SimpleMeterRegistry()).build();
    store.migrate();
    store.append(request("lvl", 0, 1));
    Jdbi jdbi = Jdbi.create(pg.dataSource());
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (Handle other = jdbi.open()) {
      other.begin();
      other.execute("UPDATE trip_level.streams SET updated_at = now() WHERE stream_id = 'lvl'");
      Future<AppendResult> append = pool.submit(() -> store.append(request("lvl", 1, 1)));
      StoreTestSupport.awaitOneWaitingOnALock(jdbi, "%trip_level.streams SET version%");
      other.commit();
      // At READ COMMITTED the append would go on and commit on top of the other transaction.
      assertThatThrownBy(() -> append.get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(ConcurrencyConflictException.class);
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.readStream("lvl", 0, 10)).hasSize(1);
    store.append(request("lvl", 1, 1));
  }
}
