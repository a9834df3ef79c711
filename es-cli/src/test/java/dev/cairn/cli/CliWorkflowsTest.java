package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.admin.testing.Accounts;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.StoreProjectionRunner;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresExtension;
import dev.cairn.workflows.ProcessRecord;
import dev.cairn.workflows.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code cairn workflows}: a real workflow with a pending, a handled and a failed deadline. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CliWorkflowsTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static final ObjectMapper JSON = new ObjectMapper();
  static final EventSerializer SERIALIZER =
      JacksonEventSerializer.create(
          ProcessRecord.register(EventTypeRegistry.builder().registerSealed(Accounts.Event.class)).build());

  static JdbcEventStore store;
  static String[] db;
  static Workflow<Accounts.Seen> workflow;
  static StoreProjectionRunner runner;

  @BeforeAll
  static void aWorkflowWithDeadlines() {
    store = Accounts.store(pg.dataSource(), "cliwf");
    db = new String[] {"--jdbc-url", pg.jdbcUrl(), "--schema", store.schema()};
    ProjectionManager manager = ProjectionManager.create(store, SERIALIZER);
    manager.migrate();
    workflow = Workflow.builder("welcome", new Accounts.Welcome(), Accounts.Seen.class).store(store).projections(manager)
        .serializer(SERIALIZER).follow(Accounts.Event.class).build();
    workflow.migrate();
    runner = manager.storeRunner(workflow.projection()).build();
    runner.start();
    Accounts accounts = new Accounts(store);
    accounts.append("acc-1", new Accounts.Opened("future"));
    accounts.append("acc-2", new Accounts.Opened("past"));
    accounts.append("acc-3", new Accounts.Opened("past"));
    await().atMost(Duration.ofSeconds(60)).until(() -> workflow.status().deadlines().pending() == 3);
    store.jdbi().useHandle(h -> h.execute(
        "UPDATE " + store.tables().qualified("workflow_deadlines") + " SET status = 'failed', last_error = 'boom'"
            + " WHERE process_id = 'acc-3'"));
    assertThat(workflow.fireDueDeadlines()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(60)).until(() -> workflow.deadlines("acc-2").get(0).status().equals("handled"));
  }

  @AfterAll
  static void stop() {
    runner.stop();
    workflow.close();
  }

  static String[] args(String... command) {
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(List.of(db));
    return all.toArray(String[]::new);
  }

  @Test
  void list_showsTheDeadlinesByState_asATableAndAsJson() throws Exception {
    Cli.Result table = Cli.run(args("workflows", "list"));
    assertThat(table.exitCode()).as(table.toString()).isZero();
    assertThat(table.out()).contains("NAME", "PENDING", "FAILED", "OLDESTOVERDUE");
    assertThat(table.out().lines().skip(1).findFirst().orElseThrow()).matches("welcome\\s+1\\s+3\\s+1\\s+1\\s+1\\s+0\\s+.*");

    Cli.Result json = Cli.run(args("workflows", "list", "--json"));
    assertThat(json.exitCode()).as(json.toString()).isZero();
    JsonNode w = JSON.readTree(json.out()).get(0);
    assertThat(w.get("name").asText()).isEqualTo("welcome");
    assertThat(w.get("failed").asLong()).isEqualTo(1);
    assertThat(w.get("fired").asLong()).isEqualTo(1);
    assertThat(w.get("oldestOverdue").isNull()).isTrue();
  }

  @Test
  void show_aWorkflowAndAnInstance() throws Exception {
    Cli.Result wf = Cli.run(args("workflows", "show", "welcome"));
    assertThat(wf.exitCode()).as(wf.toString()).isZero();
    assertThat(wf.out()).contains("instances:", "acc-1", "acc-2", "acc-3");

    Cli.Result one = Cli.run(args("workflows", "show", "welcome", "acc-3"));
    assertThat(one.exitCode()).as(one.toString()).isZero();
    assertThat(one.out()).contains("streamId:", "welcome:acc-3", "failed", "boom", "Opened", "deadline remind at");

    Cli.Result json = Cli.run(args("workflows", "show", "welcome", "acc-2", "--json"));
    assertThat(json.exitCode()).as(json.toString()).isZero();
    JsonNode i = JSON.readTree(json.out());
    assertThat(i.get("state").get("inputs").asInt()).isEqualTo(2);
    assertThat(i.get("history").get(1).get("input").asText()).isEqualTo("deadline:remind");
    assertThat(i.get("deadlines").get(0).get("status").asText()).isEqualTo("handled");
  }

  @Test
  void unknownWorkflowOrInstance_exits3_namingIt() {
    Cli.Result wf = Cli.run(args("workflows", "show", "nope"));
    assertThat(wf.exitCode()).as(wf.toString()).isEqualTo(Cairn.NOT_FOUND);
    assertThat(wf.err()).contains("no workflow nope");
    Cli.Result one = Cli.run(args("workflows", "show", "welcome", "acc-9"));
    assertThat(one.exitCode()).as(one.toString()).isEqualTo(Cairn.NOT_FOUND);
    assertThat(one.err()).contains("acc-9");
  }

  @Test
  void retryFailed_putsTheFailedDeadlineBackToPending_andIsAudited() throws Exception {
    Cli.Result unknown = Cli.run(args("workflows", "retry-failed", "nope", "--actor", "ann"));
    assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(Cairn.NOT_FOUND);

    Cli.Result r = Cli.run(args("workflows", "retry-failed", "welcome", "--actor", "ann", "--json"));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(JSON.readTree(r.out()).get("retried").asInt()).isEqualTo(1);
    try {
      assertThat(workflow.deadlines("acc-3").get(0).status()).isEqualTo("pending");
      Cli.Result audit = Cli.run(args("audit"));
      assertThat(audit.out()).contains("workflow.retry-failed-deadlines", "workflow welcome", "ann");
    } finally {
      // Back to failed, for the other tests of this class.
      store.jdbi().useHandle(h -> h.execute(
          "UPDATE " + store.tables().qualified("workflow_deadlines") + " SET status = 'failed', last_error = 'boom'"
              + " WHERE process_id = 'acc-3'"));
    }
  }
}
