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
  void oldestOpenTransaction_namesTheTransactionHoldingReadersBack() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    JdbcEventStore store = JdbcEventStore.builder(pg.dataSource()).meterRegistry(meters).build();
    store.migrate();
    try (Handle open = pg.jdbi().open()) {
      open.begin();
      int pid = open.createQuery("SELECT pg_backend_pid()").mapTo(Integer.class).one();
      open.execute("SELECT pg_current_xact_id()"); // takes an xid, as a writer would

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
