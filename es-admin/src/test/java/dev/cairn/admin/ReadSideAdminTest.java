package dev.cairn.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.admin.Fixture.Http;
import dev.cairn.admin.Fixture.Response;
import dev.cairn.admin.http.JettyServer;
import dev.cairn.admin.testing.Accounts;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.store.jdbc.spi.StoreTables;
import dev.cairn.testkit.PostgresExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The admin API over a read side: projections in a database of their own, no event store. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReadSideAdminTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();

  @Test
  void readSide_servesProjectionsCommandsAndAudit_andSays503ForTheStoreItHasNot() {
    ProjectionManager readSide = ProjectionManager.readSide(pg.dataSource(), Accounts.SERIALIZER).schema("read_side").build();
    readSide.migrate();
    readSide.install(Fixture.balances(1));
    CairnAdmin admin = CairnAdmin.readSide(readSide, pg.dataSource(), StoreTables.of("read_side", "")).build();
    admin.migrate();
    assertThat(admin.hasStore()).isFalse();
    try (JettyServer server = admin.server("127.0.0.1", 0)) {
      server.start();
      Http http = new Http("http://127.0.0.1:" + server.port());
      assertThat(http.get("/cairn/api/projections/balances").json().get("serving").asInt()).isEqualTo(1);
      Response store = http.get("/cairn/api/store");
      assertThat(store.status()).isEqualTo(503);
      assertThat(store.json().get("message").asText()).contains("read side: it has no event store");
      assertThat(http.get("/cairn/api/streams/acc-1").status()).isEqualTo(503);
      assertThat(http.get("/cairn/api/overview").json().get("store").isNull()).isTrue();
      Response pause = http.postJson("/cairn/api/projections/balances/pause", "{}");
      assertThat(pause.status()).as(pause.toString()).isEqualTo(202);
      assertThat(http.get("/cairn/api/projections/balances").json().get("versions").get(0).get("paused").asBoolean()).isTrue();
      assertThat(http.get("/cairn/api/audit").json().get("items").get(0).get("action").asText()).isEqualTo("projection.pause");
    }
  }
}
