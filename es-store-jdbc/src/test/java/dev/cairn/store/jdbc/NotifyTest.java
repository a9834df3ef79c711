package dev.cairn.store.jdbc;

import static dev.cairn.store.jdbc.StoreTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

class NotifyTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();

  @Test
  void appendWithNotifications_announcesOnTheChannelAtCommit_andWakesLocalListeners() throws Exception {
    JdbcEventStore store =
        JdbcEventStore.builder(pg.dataSource()).notifyOnAppend(true).meterRegistry(new SimpleMeterRegistry()).build();
    store.migrate();
    List<String> local = new CopyOnWriteArrayList<>();
    store.addAppendListener(result -> local.add(result.streamId()));

    try (Connection listener = DriverManager.getConnection(pg.jdbcUrl());
        Statement s = listener.createStatement()) {
      s.execute("LISTEN " + JdbcEventStore.NOTIFY_CHANNEL);

      store.append(request("n-1", 0, 2));

      List<String> payloads = new ArrayList<>();
      PGNotification[] got = listener.unwrap(PGConnection.class).getNotifications(30_000);
      for (PGNotification n : got) {
        payloads.add(n.getParameter());
      }
      assertThat(payloads).containsExactly("public");
    }
    assertThat(local).containsExactly("n-1");
    assertThat(store.readStream("n-1", 0, 10)).hasSize(2);
  }

  @Test
  void listenForAppends_runsOnConnect_thenOnEachAppendOfThisSchema_only() throws Exception {
    JdbcEventStore announcing =
        JdbcEventStore.builder(pg.dataSource()).schema("loud").notifyOnAppend(true)
            .meterRegistry(new SimpleMeterRegistry()).build();
    announcing.migrate();
    JdbcEventStore otherSchema =
        JdbcEventStore.builder(pg.dataSource()).schema("other").notifyOnAppend(true)
            .meterRegistry(new SimpleMeterRegistry()).build();
    otherSchema.migrate();
    // The listening side is a different store object on the same schema, as in another process.
    JdbcEventStore listening =
        JdbcEventStore.builder(pg.dataSource()).schema("loud").meterRegistry(new SimpleMeterRegistry()).build();
    Semaphore calls = new Semaphore(0);

    JdbcEventStore.AppendSubscription subscription = listening.listenForAppends(calls::release, "notify-test");
    try {
      assertThat(calls.tryAcquire(30, TimeUnit.SECONDS)).as("called once on connect").isTrue();

      otherSchema.append(request("elsewhere", 0, 1));
      announcing.append(request("n-2", 0, 1));
      assertThat(calls.tryAcquire(30, TimeUnit.SECONDS)).as("called for the append").isTrue();
      // Notifications arrive in commit order, so the other schema's came (and was ignored) first.
      assertThat(calls.availablePermits()).isZero();
    } finally {
      subscription.close();
    }
  }
}
