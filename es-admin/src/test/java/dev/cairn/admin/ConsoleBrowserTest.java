package dev.cairn.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.admin.http.JettyServer;
import dev.cairn.admin.testing.Accounts;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.projections.FailurePolicy;
import dev.cairn.projections.KafkaProjectionRunner;
import dev.cairn.projections.Projection;
import dev.cairn.projections.Projections;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser (headless Chromium) against a running service on real
 * PostgreSQL and Kafka: a relay, a Kafka-fed projection runner and the admin server, all in this
 * JVM. Screenshots land in {@code target/console-*.png}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ConsoleBrowserTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  static final Duration WAIT = Duration.ofSeconds(60);

  static Fixture f;
  static KafkaRelay relay;
  static KafkaProjectionRunner runner;
  static KafkaProjectionRunner slowRunner;
  static CairnAdmin admin;
  static JettyServer server;
  static ChromeDriver driver;
  static String base;

  @BeforeAll
  static void runningServiceAndBrowser() {
    Browser.assumeInstalled();
    Accounts.POISON_FIXED.set(false);
    f = new Fixture(pg.dataSource());
    f.manager.install(Fixture.balances(1));
    String prefix = kafka.name("console.");
    relay = KafkaRelay.builder(f.store)
        .kafkaSettings(Map.of("bootstrap.servers", kafka.bootstrapServers()))
        .topicPrefix(prefix)
        .transactionalId(prefix + "relay")
        .partitions(2)
        .build();
    relay.ensureTopic(prefix + "account");
    relay.start();
    runner = f.manager.kafkaRunner(Fixture.balances(1), kafka.consumerConfig("console"), List.of(prefix + "account"))
        .failurePolicy(FailurePolicy.builder().maxAttempts(1).build())
        .build();
    runner.start();
    slowRunner = f.manager.kafkaRunner(slow(), kafka.consumerConfig("console-slow"), List.of(prefix + "account"))
        .maxBatchRecords(5)
        .build();
    f.manager.install(slow());
    slowRunner.start();
    admin = CairnAdmin.builder(f.store).projections(f.manager).relay(relay).catalog(Fixture.balances(1)).build();
    admin.migrate();
    admin.start();
    server = admin.server("127.0.0.1", 0);
    server.start();
    base = "http://127.0.0.1:" + server.port() + "/cairn/";
    f.append("ord-1", new Accounts.Opened("ann"), new Accounts.Deposited(5));
    f.append("ord-2", new Accounts.Opened("bob"), new Accounts.Deposited(7));
    await().atMost(WAIT).until(() -> f.balances().getOrDefault("ord-2", 0L) == 7);
    driver = Browser.start(1280, 1100);
  }

  @AfterAll
  static void stop() {
    if (driver != null) {
      driver.quit();
    }
    for (AutoCloseable c : new AutoCloseable[] {server, admin, slowRunner, runner, relay}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // closing the rest matters more
      }
    }
    Accounts.POISON_FIXED.set(false);
  }

  /** A read model that takes 20 ms per event, as a slow one does: appends outrun it for a while. */
  static Projection slow() {
    return Projections.builder("slow_counts", 1)
        .table("CREATE TABLE {table} (account text PRIMARY KEY, events bigint NOT NULL)")
        .on(Accounts.Opened.class, (e, h, m) -> count(h, m.table(), e.streamId()))
        .on(Accounts.Deposited.class, (e, h, m) -> count(h, m.table(), e.streamId()))
        .build();
  }

  private static void count(org.jdbi.v3.core.Handle h, String table, String account) {
    try {
      TimeUnit.MILLISECONDS.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    h.createUpdate("INSERT INTO " + table + " VALUES (:a, 1) ON CONFLICT (account) DO UPDATE SET events = "
        + table + ".events + 1").bind("a", account).execute();
  }

  static WebDriverWait waiting() {
    // The page re-renders its tables as it polls: an element found a moment ago may be gone.
    WebDriverWait wait = new WebDriverWait(driver, WAIT, Duration.ofMillis(200));
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  static void open(String view) {
    // A new document each time: a URL that differs only in its fragment would not reload the page.
    driver.get("about:blank");
    driver.get(base + "#" + view);
    waiting().until(d -> d.findElement(By.id("status")).getText().startsWith("updated"));
  }

  static WebElement projectionCard() {
    return card("balances");
  }

  static WebElement card(String projection) {
    return waiting().until(d -> d.findElement(By.id("projection-" + projection + "-v1")));
  }

  /** The lag the page shows for a projection. */
  static long lag(String projection) {
    card(projection);
    // Read in one script: the card is redrawn every 2 s, so an element found earlier may be gone.
    Object lag = driver.executeScript(
        "const e = document.querySelector(arguments[0]); return e ? e.dataset.lag : null;",
        "#projection-" + projection + "-v1 .lag");
    return lag == null ? -1 : Long.parseLong(lag.toString());
  }

  @Test
  void pageLoads_withoutConsoleErrors_andKeepsItsLayoutAt1280AndAtPhoneWidth() {
    open("overview");
    projectionCard();
    waiting().until(d -> !d.findElements(By.cssSelector(".relay-behind")).isEmpty());
    waiting().until(d -> !d.findElements(By.cssSelector("#projection-balances-v1 .uplot")).isEmpty());
    assertThat(driver.findElement(By.id("store-card")).getText()).contains("events", "fence", "free");
    assertThat(projectionCard().getText()).contains("balances", "v1", "ACTIVE", "serving", "RUNNING");
    assertThat(Browser.consoleErrors(driver)).as("the browser console's errors").isEmpty();
    assertThat(overflow()).as("horizontal overflow at 1280 px").isLessThanOrEqualTo(0);
    Browser.screenshot(driver, "console-overview-1280");

    driver.manage().window().setSize(new org.openqa.selenium.Dimension(375, 812));
    try {
      open("overview");
      projectionCard();
      waiting().until(d -> !d.findElements(By.cssSelector("#projection-balances-v1 .uplot")).isEmpty());
      assertThat(overflow()).as("horizontal overflow at 375 px").isLessThanOrEqualTo(0);
      Browser.screenshot(driver, "console-overview-375");
      open("dead-letters");
      assertThat(overflow()).as("horizontal overflow of the dead letters at 375 px").isLessThanOrEqualTo(0);
    } finally {
      driver.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1100));
    }
    assertThat(Browser.consoleErrors(driver)).isEmpty();
  }

  /** How many pixels the page is wider than the window (tables scroll inside their own box). */
  static long overflow() {
    return (Long) driver.executeScript(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
  }

  @Test
  void projectionLag_risesUnderAppends_andFallsToZero() {
    open("overview");
    await().atMost(WAIT).until(() -> lag("slow_counts") == 0);
    for (int i = 0; i < 300; i++) {
      f.append("ord-3", i == 0 ? new Accounts.Opened("cy") : new Accounts.Deposited(1));
    }
    await().atMost(WAIT).until(() -> lag("slow_counts") > 0);
    Browser.screenshot(driver, "console-lag");
    await().atMost(WAIT).until(() -> lag("slow_counts") == 0);
    assertThat(card("slow_counts").findElements(By.cssSelector(".uplot"))).hasSize(1);
    assertThat(Browser.consoleErrors(driver)).isEmpty();
  }

  @Test
  void pauseAndResume_fromThePage_reachTheRunningRunner() {
    open("overview");
    projectionCard().findElement(By.xpath(".//button[text()='Pause']")).click();
    waiting().until(d -> projectionCard().getText().contains("PAUSED"));
    await().atMost(WAIT).until(() -> runner.state() == dev.cairn.projections.RunnerState.PAUSED);
    projectionCard().findElement(By.xpath(".//button[text()='Resume']")).click();
    await().atMost(WAIT).until(() -> runner.state() == dev.cairn.projections.RunnerState.RUNNING);
    waiting().until(d -> !projectionCard().getText().contains("PAUSED"));
    open("audit");
    assertThat(driver.findElement(By.id("audit-table")).getText()).contains("projection.pause", "projection.resume", "balances v1");
    assertThat(Browser.consoleErrors(driver)).isEmpty();
  }

  @Test
  void poisonEvent_appearsAsADeadLetter_isRetriedFromThePage_andDisappears() {
    f.append("ord-poison", new Accounts.Opened("eve"), new Accounts.Deposited(Accounts.POISON));
    open("dead-letters");
    assertThat(onParkedRow("ord-poison", WebElement::getText)).contains("balances v1", "Deposited", "poison deposit in ord-poison");
    assertThat(driver.findElement(By.id("dl-count")).getText()).isEqualTo("1");
    onParkedRow("ord-poison", r -> click(r, "button.linklike"));
    waiting().until(d -> d.findElement(By.id("dl-detail")).getText().contains("\"amount\": 13"));
    Browser.screenshot(driver, "console-dead-letters");

    Accounts.POISON_FIXED.set(true);
    onParkedRow("ord-poison", r -> click(r, "button.retry"));
    waiting().until(d -> d.findElement(By.id("status")).getText().contains("Retry dead letter"));
    waiting().until(d -> d.findElements(By.cssSelector("#dl-table tbody tr")).stream()
        .noneMatch(r -> r.getText().contains("ord-poison")));
    assertThat(f.balances()).containsEntry("ord-poison", Accounts.POISON);
    assertThat(Browser.consoleErrors(driver)).isEmpty();
  }

  /** Finds the parked row of a stream afresh and acts on it, again if the page re-rendered it meanwhile. */
  private static <T> T onParkedRow(String stream, java.util.function.Function<WebElement, T> action) {
    return waiting().until(d -> d.findElements(By.cssSelector("#dl-table tbody tr")).stream()
        .filter(r -> r.getText().contains(stream) && r.getText().contains("PARKED")).findFirst().map(action).orElse(null));
  }

  private static Boolean click(WebElement row, String button) {
    row.findElement(By.cssSelector(button)).click();
    return true;
  }

  @Test
  void streamIsFoundById_andItsEventsShownWithPayloadAndMetadata_andTheCorrelationIdFollowed() {
    open("streams");
    WebElement id = driver.findElement(By.id("stream-id"));
    id.sendKeys("ord-2", Keys.ENTER);
    WebElement table = waiting().until(d -> d.findElement(By.id("stream-events")));
    assertThat(table.findElements(By.cssSelector("tbody tr"))).hasSize(2);
    assertThat(table.getText()).contains("Opened", "Deposited", "\"amount\": 7", "\"owner\": \"bob\"", "corr-ord-2");
    Browser.screenshot(driver, "console-stream");

    table.findElement(By.xpath(".//button[text()='corr-ord-2']")).click();
    WebElement related = driver.findElement(By.id("related"));
    try {
      // Headings are upper-cased by the style sheet, and getText() returns the text as shown.
      waiting().until(d -> related.getText().toLowerCase(java.util.Locale.ROOT)
          .contains("events with correlation id corr-ord-2"));
    } catch (org.openqa.selenium.TimeoutException e) {
      throw new AssertionError("related events not shown; browser console: " + Browser.consoleErrors(driver)
          + "; related: " + driver.executeScript("return document.getElementById('related').outerHTML")
          + "; status: " + driver.findElement(By.id("status")).getText(), e);
    }
    assertThat(related.findElements(By.tagName("li"))).hasSize(2);
    assertThat(Browser.consoleErrors(driver)).isEmpty();
  }
}
