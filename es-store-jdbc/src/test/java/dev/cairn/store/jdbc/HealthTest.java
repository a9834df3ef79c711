package dev.cairn.store.jdbc;

import static dev.cairn.store.jdbc.StoreTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class HealthTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();

  @Test
  void oldestOpenTransaction_namesTheAppenderHoldingReadersBack() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    JdbcEventStore store = JdbcEventStore.builder(pg.dataSource()).meterRegistry(meters).build();
    store.migrate();
    try (Handle open = pg.jdbi().open()) {
      open.setTransactionIsolationLevel(org.jdbi.v3.core.transaction.TransactionIsolationLevel.REPEATABLE_READ);
      open.begin();
      int pid = open.createQuery("SELECT pg_backend_pid()").mapTo(Integer.class).one();
      store.append(open, request("h-open", 0, 1)); // an appender that stays open

      assertThat(store.oldestOpenTransaction())
          .hasValueSatisfying(
              t -> {
                assertThat(t.pid()).isEqualTo(pid);
                assertThat(t.database()).isEqualTo(pg.database().name());
                assertThat(t.state()).isEqualTo("idle in transaction");
              });
      assertThat(meters.get("cairn.store.oldest.transaction.age.seconds").gauge().value()).isGreaterThanOrEqualTo(0.0);
      open.rollback();
    }
  }

  @Test
  void appendMetrics_countAppendsEventsAndConflicts() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    JdbcEventStore store = JdbcEventStore.builder(pg.dataSource()).meterRegistry(meters).build();
    store.migrate();

    store.append(request("h-1", 0, 3));
    try {
      store.append(request("h-1", 0, 1));
    } catch (RuntimeException expected) {
      // a conflict, counted below
    }

    assertThat(meters.get("cairn.store.append").timer().count()).isEqualTo(2);
    assertThat(meters.get("cairn.store.events.appended").counter().count()).isEqualTo(3);
    assertThat(meters.get("cairn.store.conflicts").counter().count()).isEqualTo(1);
  }
}
