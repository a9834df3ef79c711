package dev.cairn.store.jdbc;

import static dev.cairn.store.jdbc.StoreTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cairn.api.ConcurrencyConflictException;
import dev.cairn.testkit.PostgresExtension;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DESIGN rule 1 on the caller's-transaction path: every lost race is one {@link
 * ConcurrencyConflictException} naming the stream, the expected and the actual version.
 */
class CallerTransactionAppendTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  JdbcEventStore store;

  @BeforeEach
  void migrate() {
    store = StoreTestSupport.migratedStore(pg.dataSource());
  }

  private Handle callerWithSnapshot() {
    Handle h = pg.jdbi().open();
    h.setTransactionIsolationLevel(TransactionIsolationLevel.REPEATABLE_READ);
    h.begin();
    h.createQuery("SELECT 1").mapTo(Integer.class).one(); // takes the transaction's snapshot now
    return h;
  }

  @Test
  void newStreamCreatedByAnotherAfterTheCallersSnapshot_isAConflict_notASerializationError() {
    try (Handle caller = callerWithSnapshot()) {
      store.append(request("cta-new", 0, 1)); // commits after the caller's snapshot

      ConcurrencyConflictException e =
          catchThrowableOfType(ConcurrencyConflictException.class, () -> store.append(caller, request("cta-new", 0, 1)));
      assertThat(e.streamId()).isEqualTo("cta-new");
      assertThat(e.expectedVersion()).isZero();
      assertThat(e.actualVersion()).isEqualTo(1);
      caller.rollback();
    }
  }

  @Test
  void streamAdvancedByAnotherAfterTheCallersSnapshot_isAConflict_withTheActualVersion() {
    store.append(request("cta-adv", 0, 1));
    try (Handle caller = callerWithSnapshot()) {
      store.append(request("cta-adv", 1, 1)); // v2, after the caller's snapshot

      ConcurrencyConflictException e =
          catchThrowableOfType(ConcurrencyConflictException.class, () -> store.append(caller, request("cta-adv", 1, 1)));
      assertThat(e.expectedVersion()).isEqualTo(1);
      assertThat(e.actualVersion()).isEqualTo(2);
      caller.rollback();
    }
  }

  @Test
  void lostCompareAndSet_reportsTheStreamsActualVersion_notTheCallersStaleSnapshot() {
    store.append(request("cta-cas", 0, 1));
    try (Handle caller = callerWithSnapshot()) {
      store.append(request("cta-cas", 1, 2)); // v3, after the caller's snapshot, which still sees v1

      ConcurrencyConflictException e =
          catchThrowableOfType(ConcurrencyConflictException.class, () -> store.append(caller, request("cta-cas", 2, 1)));
      assertThat(e.expectedVersion()).isEqualTo(2);
      assertThat(e.actualVersion()).isEqualTo(3);
      assertThat(e).hasMessageContaining("cta-cas").hasMessageContaining("expected version 2 but was 3");
      caller.rollback();
    }
  }
}
