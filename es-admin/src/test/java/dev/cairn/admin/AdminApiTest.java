package dev.cairn.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.admin.Fixture.Http;
import dev.cairn.admin.Fixture.Response;
import dev.cairn.admin.http.JettyServer;
import dev.cairn.admin.testing.Accounts.Deposited;
import dev.cairn.admin.testing.Accounts.Opened;
import dev.cairn.admin.testing.Accounts;
import dev.cairn.projections.FailurePolicy;
import dev.cairn.projections.Projection;
import dev.cairn.projections.StoreProjectionRunner;
import dev.cairn.testkit.PostgresExtension;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The admin API on a real server over a real database, with a running runner. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminApiTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static final Duration WAIT = Duration.ofSeconds(60);

  Fixture fx;
  CairnAdmin admin;
  JettyServer server;
  Http http;
  StoreProjectionRunner runner;
  Projection v1 = Fixture.balances(1);

  @BeforeEach
  void setUp() {
    Accounts.POISON_FIXED.set(false);
    fx = new Fixture(pg.dataSource());
    fx.manager.install(v1);
    fx.append("acc-1", new Opened("ann"), new Deposited(5), new Deposited(7));
    fx.append("acc-2", new Opened("bob"), new Deposited(Accounts.POISON), new Deposited(1));
    fx.append("acc-3", new Opened("cat"));
    runner =
        fx.manager.storeRunner(v1)
            .failurePolicy(FailurePolicy.builder().maxAttempts(1).backoff(Duration.ofMillis(1), Duration.ofMillis(1)).build())
            .build();
    runner.start();
    assertThat(runner.awaitCaughtUp(WAIT)).isTrue();
    admin = CairnAdmin.builder(fx.store).projections(fx.manager).catalog(v1, Fixture.balances(2)).build();
    admin.migrate();
    admin.start();
    server = admin.server("127.0.0.1", 0);
    server.start();
    http = new Http("http://127.0.0.1:" + server.port());
  }

  @AfterEach
  void tearDown() {
    Accounts.POISON_FIXED.set(false);
    server.close();
    admin.close();
    runner.stop();
  }

  private JsonNode awaitCommand(Response accepted) {
    assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
    long id = accepted.json().get("id").asLong();
    await().atMost(WAIT).until(() -> java.util.Set.of("DONE", "FAILED").contains(http.get("/cairn/api/commands/" + id).json().get("status").asText()));
    return http.get("/cairn/api/commands/" + id).json();
  }

  @Test
  void reads_showTheStore_projections_streams_andTheGlobalOrder() {
    JsonNode store = http.get("/cairn/api/store").json();
    assertThat(store.get("events").asLong()).isEqualTo(7);
    assertThat(store.get("streams").asLong()).isEqualTo(3);
    assertThat(store.get("streamTypes").get(0).get("streamType").asText()).isEqualTo("account");
    assertThat(store.get("headPosition").asText()).matches("\\d+/\\d+");
    assertThat(store.get("fence").get("eventsWaiting").asLong()).isZero();
    assertThat(store.get("oldestOpenTransaction").isNull()).isTrue();

    await().atMost(WAIT).untilAsserted(() -> {
      JsonNode p = http.get("/cairn/api/projections/balances").json();
      assertThat(p.get("serving").asInt()).isEqualTo(1);
      JsonNode version = p.get("versions").get(0);
      assertThat(version.get("serving").asBoolean()).isTrue();
      assertThat(version.get("parked").asLong()).isEqualTo(2);
      assertThat(version.get("runners")).hasSize(1);
      assertThat(version.get("runners").get(0).get("state").asText()).isEqualTo("RUNNING");
      assertThat(version.get("runners").get(0).path("lag").path("global").asLong(-1)).isZero();
    });
    assertThat(http.get("/cairn/api/projections").json()).hasSize(1);

    JsonNode stream = http.get("/cairn/api/streams/acc-1").json();
    assertThat(stream.get("version").asLong()).isEqualTo(3);
    assertThat(stream.get("events")).hasSize(3);
    JsonNode deposit = stream.get("events").get(1);
    assertThat(deposit.get("eventType").asText()).isEqualTo("Deposited");
    assertThat(deposit.get("payload").get("amount").asLong()).isEqualTo(5);
    assertThat(deposit.get("metadata").get("correlationId").asText()).isEqualTo("corr-acc-1");
    assertThat(http.get("/cairn/api/streams/acc-1?after=2&limit=1").json().get("events")).hasSize(1);

    JsonNode tail = http.get("/cairn/api/events?limit=2").json();
    assertThat(tail.get("items")).hasSize(2);
    assertThat(tail.get("items").get(0).get("streamId").asText()).isEqualTo("acc-3");
    String first = http.get("/cairn/api/events?after=0/0&limit=1").json().get("items").get(0).get("position").asText();
    assertThat(http.get("/cairn/api/events?after=" + first + "&limit=10").json().get("items")).hasSize(6);

    JsonNode overview = http.get("/cairn/api/overview").json();
    assertThat(overview.get("deadLetters").get("parked").asLong()).isEqualTo(1);
    assertThat(overview.get("deadLetters").get("held").asLong()).isEqualTo(1);
    assertThat(overview.get("relays")).isEmpty();
  }

  @Test
  void badInput_isA400NamingTheFieldAndTheRule_unknownThingsA404_neverA500() {
    Response rebuild = http.postJson("/cairn/api/projections/balances/rebuild", "{\"version\":\"abc\"}");
    assertThat(rebuild.status()).as(rebuild.toString()).isEqualTo(400);
    assertThat(rebuild.json().get("error").asText()).isEqualTo("invalid_request");
    assertThat(rebuild.json().get("message").asText()).isEqualTo("version must be an integer >= 1, was \"abc\"");
    assertThat(rebuild.json().get("status").asInt()).isEqualTo(400);
    // Nothing was started: version 2 is not installed.
    assertThat(fx.manager.status(Fixture.balances(2).spec())).isEmpty();

    assertThat(http.postJson("/cairn/api/projections/balances/rebuild", "{\"version\":1}").status()).isEqualTo(409);
    assertThat(http.postJson("/cairn/api/projections/balances/replay", "{\"from\":\"yesterday\"}").json().get("message").asText())
        .contains("from must be \"beginning\" or an ISO-8601 instant");
    assertThat(http.postJson("/cairn/api/projections/balances/replay", "{\"sideways\":true}").json().get("message").asText())
        .contains("unknown field sideways");
    assertThat(http.postJson("/cairn/api/projections/balances/replay", "[1]").status()).isEqualTo(400);
    assertThat(http.postJson("/cairn/api/projections/balances/replay", "{\"from\":").json().get("error").asText()).isEqualTo("malformed_json");
    assertThat(http.postJson("/cairn/api/projections/balances/switch", "{}").json().get("message").asText()).contains("switch needs version");
    assertThat(http.get("/cairn/api/dead-letters?limit=0").json().get("message").asText()).isEqualTo("limit must be between 1 and 500, was 0");
    assertThat(http.get("/cairn/api/dead-letters?status=lost").status()).isEqualTo(400);
    assertThat(http.get("/cairn/api/events?after=yesterday").status()).isEqualTo(400);
    assertThat(http.get("/cairn/api/streams/acc-1?after=-1").status()).isEqualTo(400);

    Response unknown = http.get("/cairn/api/projections/nope");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().get("error").asText()).isEqualTo("unknown_projection");
    assertThat(http.postJson("/cairn/api/projections/nope/pause", "{}").json().get("error").asText()).isEqualTo("unknown_projection");
    assertThat(http.get("/cairn/api/dead-letters/999").json().get("error").asText()).isEqualTo("unknown_dead_letter");
    assertThat(http.get("/cairn/api/dead-letters/abc").status()).isEqualTo(404);
    assertThat(http.postJson("/cairn/api/dead-letters/999/retry", "{}").status()).isEqualTo(404);
    assertThat(http.get("/cairn/api/streams/none").json().get("error").asText()).isEqualTo("unknown_stream");
    assertThat(http.get("/cairn/api/commands/5").json().get("error").asText()).isEqualTo("unknown_command");
    assertThat(http.postJson("/cairn/api/projections/balances/explode", "{}").status()).isEqualTo(404);
    assertThat(http.get("/cairn/api/nothing").status()).isEqualTo(404);
    assertThat(http.get("/cairn/no-such-file.js").status()).isEqualTo(404);
    assertThat(http.get("/cairn/../secret.html").status()).isIn(400, 404);
    // Jetty itself refuses an encoded dot segment as ambiguous.
    assertThat(http.get("/cairn/a/%2e%2e/b.html").status()).isIn(400, 404);
    // Nothing was written to the control table.
    assertThat(http.get("/cairn/api/commands").json().get("total").asLong()).isZero();
  }

  @Test
  void deadLetters_areListedWithFilters_shownInFull_retriedAndSkipped_throughTheControlTable() {
    JsonNode page = http.get("/cairn/api/dead-letters").json();
    assertThat(page.get("total").asLong()).isEqualTo(2);
    assertThat(http.get("/cairn/api/dead-letters?error=POISON&projection=balances").json().get("total").asLong()).isEqualTo(1);
    assertThat(http.get("/cairn/api/dead-letters?stream=acc-1").json().get("total").asLong()).isZero();
    assertThat(http.get("/cairn/api/dead-letters?limit=1&offset=1").json().get("items")).hasSize(1);
    JsonNode parked = http.get("/cairn/api/dead-letters?status=parked").json().get("items").get(0);
    long id = parked.get("id").asLong();
    assertThat(parked.get("streamId").asText()).isEqualTo("acc-2");
    assertThat(parked.get("projection").asText()).isEqualTo("balances");
    assertThat(parked.get("version").asInt()).isEqualTo(1);

    JsonNode full = http.get("/cairn/api/dead-letters/" + id).json();
    assertThat(full.get("payload").get("amount").asLong()).isEqualTo(Accounts.POISON);
    assertThat(full.get("metadata").get("correlationId").asText()).isEqualTo("corr-acc-2");
    assertThat(full.get("stack").asText()).contains("IllegalStateException: poison deposit in acc-2");
    assertThat(full.get("attempts").asInt()).isEqualTo(1);
    assertThat(full.get("position").asText()).matches("\\d+/\\d+");

    JsonNode failed = awaitCommand(http.postJson("/cairn/api/dead-letters/" + id + "/retry", "{}", "X-Cairn-Actor", "ops-ann"));
    assertThat(failed.get("status").asText()).isEqualTo("FAILED");
    assertThat(failed.get("result").asText()).contains("failed again");
    assertThat(failed.get("requestedBy").asText()).isEqualTo("ops-ann");

    Accounts.POISON_FIXED.set(true);
    JsonNode done = awaitCommand(http.postJson("/cairn/api/dead-letters/" + id + "/retry", ""));
    assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("DONE");
    assertThat(fx.balances()).containsEntry("acc-2", Accounts.POISON + 1);
    assertThat(http.get("/cairn/api/dead-letters").json().get("total").asLong()).isZero();
    // Skipping what is no longer parked is refused.
    assertThat(http.postJson("/cairn/api/dead-letters/" + id + "/skip", "{}").status()).isEqualTo(409);

    JsonNode audit = http.get("/cairn/api/audit").json();
    assertThat(audit.get("items").get(0).get("action").asText()).isEqualTo("dead-letter.skip");
    assertThat(audit.get("items").get(0).get("status").asInt()).isEqualTo(409);
    assertThat(audit.get("items").get(1).get("action").asText()).isEqualTo("dead-letter.retry");
    assertThat(audit.get("items").get(1).get("actor").asText()).isEqualTo("anonymous");
    assertThat(audit.get("items").get(1).get("remote").asText()).isEqualTo("127.0.0.1");
    assertThat(audit.get("items").get(2).get("actor").asText()).isEqualTo("ops-ann");
    assertThat(audit.get("items").get(2).get("arguments").get("deadLetter").asLong()).isEqualTo(id);
  }

  @Test
  void pauseReplayRebuildAndSwitch_throughTheApi_areObeyedByTheRunningServices_andAudited() {
    Response pause = http.postJson("/cairn/api/projections/balances/pause", "{}", "X-Cairn-Actor", "ops-bob");
    assertThat(pause.status()).isEqualTo(202);
    assertThat(pause.json().get("status").asText()).isEqualTo("DONE");
    await().atMost(WAIT).until(() -> runner.state() == dev.cairn.projections.RunnerState.PAUSED);
    assertThat(http.get("/cairn/api/projections/balances").json().get("versions").get(0).get("pausedBy").asText()).isEqualTo("ops-bob");
    fx.append("acc-3", new Deposited(100));
    assertThat(fx.balances()).containsEntry("acc-3", 0L);
    assertThat(http.postJson("/cairn/api/projections/balances/resume", "{\"version\":1}").status()).isEqualTo(202);
    await().atMost(WAIT).untilAsserted(() -> assertThat(fx.balances()).containsEntry("acc-3", 100L));

    fx.store.jdbi().useHandle(h -> h.execute("DELETE FROM " + fx.manager.readModel(v1.spec()).table()));
    JsonNode replay = awaitCommand(http.postJson("/cairn/api/projections/balances/replay", "{\"from\":\"beginning\"}"));
    assertThat(replay.get("status").asText()).as(replay.toString()).isEqualTo("DONE");
    await().atMost(WAIT).untilAsserted(() -> assertThat(fx.balances()).containsEntry("acc-1", 12L).containsEntry("acc-3", 100L));

    JsonNode rebuild = awaitCommand(http.postJson("/cairn/api/projections/balances/rebuild", "{\"version\":2,\"switchWhenCaughtUp\":true}"));
    assertThat(rebuild.get("status").asText()).as(rebuild.toString()).isEqualTo("DONE");
    await().atMost(WAIT).until(() -> fx.manager.activeVersion("balances").orElse(0) == 2);
    assertThat(fx.balances()).containsEntry("acc-1", 12L);

    JsonNode audit = http.get("/cairn/api/audit?action=projection.rebuild").json();
    assertThat(audit.get("total").asLong()).isEqualTo(1);
    assertThat(audit.get("items").get(0).get("target").asText()).isEqualTo("balances v2");
    assertThat(http.get("/cairn/api/commands?projection=balances&status=DONE").json().get("total").asLong()).isEqualTo(4);
  }

  @Test
  void aRequestNoProcessCanExecute_staysPending_andTheGaugesSaySo_retryAllThroughTheApi() {
    runner.stop();
    await().atMost(WAIT).until(() -> fx.manager.commands().runners("balances").isEmpty());
    Response replay = http.postJson("/cairn/api/projections/balances/replay", "{}");
    assertThat(replay.status()).isEqualTo(202);
    io.micrometer.core.instrument.MeterRegistry meters = fx.store.meterRegistry();
    await().atMost(WAIT).until(() -> meters.get("cairn.admin.commands.pending").gauge().value() == 1);
    await().atMost(WAIT).until(() -> meters.get("cairn.admin.commands.oldest.pending").gauge().value() >= 1);
    assertThat(http.get("/cairn/api/commands?status=pending").json().get("total").asLong()).isEqualTo(1);
    assertThat(http.get("/cairn/api/overview").json().get("commandsPending").asLong()).isEqualTo(1);

    // RETRY_ALL needs the projection's code, which this admin's catalog holds: it executes it.
    Accounts.POISON_FIXED.set(true);
    JsonNode all = awaitCommand(http.postJson("/cairn/api/projections/balances/dead-letters/retry-all", "{\"version\":1}"));
    assertThat(all.get("status").asText()).as(all.toString()).isEqualTo("DONE");
    assertThat(all.get("result").asText()).isEqualTo("retried 1: 1 applied, 0 failed again");
    assertThat(all.get("executedBy").asText()).endsWith(" admin");
    assertThat(fx.balances()).containsEntry("acc-2", Accounts.POISON + 1);
  }
}
