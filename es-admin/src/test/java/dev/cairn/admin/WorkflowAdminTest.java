package dev.cairn.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.admin.Fixture.Http;
import dev.cairn.admin.Fixture.Response;
import dev.cairn.admin.http.JettyServer;
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
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The process managers' endpoints, over a real workflow and its deadlines in a real database. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WorkflowAdminTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static final Duration WAIT = Duration.ofSeconds(60);
  static final EventSerializer SERIALIZER =
      JacksonEventSerializer.create(
          ProcessRecord.register(EventTypeRegistry.builder().registerSealed(Accounts.Event.class)).build());

  JdbcEventStore store;
  Accounts accounts;
  Workflow<Accounts.Seen> workflow;
  StoreProjectionRunner runner;
  CairnAdmin admin;
  JettyServer server;
  Http http;

  @BeforeEach
  void setUp() {
    store = Accounts.store(pg.dataSource(), "wa");
    accounts = new Accounts(store);
    ProjectionManager manager = ProjectionManager.create(store, SERIALIZER);
    manager.migrate();
    workflow =
        Workflow.builder("welcome", new Accounts.Welcome(), Accounts.Seen.class).store(store).projections(manager).serializer(SERIALIZER)
            .follow(Accounts.Event.class).build();
    workflow.migrate();
    // The runner without the scheduler: the test fires deadlines itself.
    runner = manager.storeRunner(workflow.projection()).build();
    runner.start();
    admin = CairnAdmin.builder(store).build();
    admin.migrate();
    server = admin.server("127.0.0.1", 0);
    server.start();
    http = new Http("http://127.0.0.1:" + server.port());
  }

  @AfterEach
  void tearDown() {
    server.close();
    admin.close();
    runner.stop();
    workflow.close();
  }

  /** Four instances: acc-1 pending, acc-2 fired and handled, acc-3 failed, acc-4 pending and overdue. */
  void fourInstances() {
    accounts.append("acc-1", new Accounts.Opened("future"));
    accounts.append("acc-2", new Accounts.Opened("past"));
    accounts.append("acc-3", new Accounts.Opened("past"));
    // Each opening is recorded in its process stream, whose input schedules the deadline.
    await().atMost(WAIT).until(() -> workflow.status().deadlines().pending() == 3);
    store.jdbi().useHandle(h -> h.execute(
        "UPDATE " + store.tables().qualified("workflow_deadlines") + " SET status = 'failed', attempts = 5, last_error = 'boom'"
            + " WHERE process_id = 'acc-3'"));
    assertThat(workflow.fireDueDeadlines()).isEqualTo(1);
    accounts.append("acc-4", new Accounts.Opened("past"));
    await().atMost(WAIT).until(
        () -> workflow.deadlines("acc-4").size() == 1 && workflow.deadlines("acc-2").get(0).status().equals("handled"));
  }

  @Test
  void list_showsEachWorkflowWithItsDeadlinesByState_andTheOldestOverdue() {
    assertThat(http.get("/cairn/api/workflows").json().get(0).get("deadlines").get("pending").asLong()).isZero();
    fourInstances();

    JsonNode w = http.get("/cairn/api/workflows").json().get(0);
    assertThat(w.get("name").asText()).isEqualTo("welcome");
    assertThat(w.get("projectionStatus").asText()).isEqualTo("ACTIVE");
    assertThat(w.get("instances").asLong()).isEqualTo(4);
    assertThat(w.get("deadlines").get("pending").asLong()).isEqualTo(2);
    assertThat(w.get("deadlines").get("fired").asLong()).isEqualTo(1);
    assertThat(w.get("deadlines").get("failed").asLong()).isEqualTo(1);
    assertThat(w.get("deadlines").get("cancelled").asLong()).isZero();
    Instant overdue = Instant.parse(w.get("oldestOverdue").asText());
    assertThat(overdue).isBefore(Instant.now());
    assertThat(workflow.deadlines("acc-4").get(0).due()).isEqualTo(overdue);

    JsonNode detail = http.get("/cairn/api/workflows/welcome").json();
    assertThat(detail.get("instances")).hasSize(4);
    assertThat(detail.get("deadlines").get("failed").asLong()).isEqualTo(1);
  }

  @Test
  void instance_showsStateHistoryAndDeadlines() {
    fourInstances();
    JsonNode i = http.get("/cairn/api/workflows/welcome/instances/acc-2").json();
    assertThat(i.get("streamId").asText()).isEqualTo("welcome:acc-2");
    assertThat(i.get("state").get("inputs").asInt()).isEqualTo(2);
    assertThat(i.get("history")).hasSize(2);
    assertThat(i.get("history").get(1).get("input").asText()).isEqualTo("deadline:remind");
    assertThat(i.get("deadlines").get(0).get("status").asText()).isEqualTo("handled");

    JsonNode failed = http.get("/cairn/api/workflows/welcome/instances/acc-3").json();
    assertThat(failed.get("deadlines").get(0).get("status").asText()).isEqualTo("failed");
    assertThat(failed.get("deadlines").get(0).get("lastError").asText()).isEqualTo("boom");
  }

  @Test
  void unknownWorkflowOrInstance_is404_andABadBodyIs400() {
    fourInstances();
    Response unknown = http.get("/cairn/api/workflows/nope");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().get("error").asText()).isEqualTo("unknown_workflow");
    assertThat(unknown.json().get("message").asText()).contains("nope");
    assertThat(http.get("/cairn/api/workflows/welcome/instances/acc-9").status()).isEqualTo(404);
    assertThat(http.postJson("/cairn/api/workflows/nope/deadlines/retry-failed", "{}").status()).isEqualTo(404);
    assertThat(http.postJson("/cairn/api/workflows/welcome/deadlines/retry-failed", "{\"all\":true}").status()).isEqualTo(400);
    assertThat(workflow.status().deadlines().failed()).isEqualTo(1);
  }

  @Test
  void retryFailed_putsThemBackToPending_andIsAudited() {
    fourInstances();
    Response r = http.postJson("/cairn/api/workflows/welcome/deadlines/retry-failed", "{}", "X-Cairn-Actor", "ops-ann");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().get("retried").asInt()).isEqualTo(1);
    assertThat(workflow.deadlines("acc-3").get(0).status()).isEqualTo("pending");
    assertThat(workflow.status().deadlines().failed()).isZero();

    JsonNode audit = http.get("/cairn/api/audit").json().get("items").get(0);
    assertThat(audit.get("action").asText()).isEqualTo("workflow.retry-failed-deadlines");
    assertThat(audit.get("target").asText()).isEqualTo("workflow welcome");
    assertThat(audit.get("actor").asText()).isEqualTo("ops-ann");
    assertThat(audit.get("status").asInt()).isEqualTo(200);
  }

  @Test
  void console_listsTheWorkflowsWithTheirDeadlineCounts_withoutErrorsOrOverflowAt375() {
    Browser.assumeInstalled();
    fourInstances();
    org.openqa.selenium.chrome.ChromeDriver driver = Browser.start(375, 812);
    try {
      driver.get(http.base() + "/cairn/#overview");
      // The overview re-renders as it polls, so the row's text is read inside the wait.
      String row =
          new org.openqa.selenium.support.ui.WebDriverWait(driver, WAIT)
              .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
              .until(d -> d.findElements(org.openqa.selenium.By.cssSelector("#wf-table tbody tr")).stream()
                  .findFirst().map(org.openqa.selenium.WebElement::getText).orElse(null));
      assertThat(row).contains("welcome", "4", "2", "1", "ago");
      assertThat(driver.findElement(org.openqa.selenium.By.id("wf-empty")).isDisplayed()).isFalse();
      assertThat(Browser.consoleErrors(driver)).as("the browser console's errors").isEmpty();
      assertThat((Long) driver.executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth;"))
          .as("horizontal overflow at 375 px").isLessThanOrEqualTo(0);
      Browser.screenshot(driver, "console-workflows-375");
    } finally {
      driver.quit();
    }
  }
}
