package dev.cairn.sample.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Starts the whole sample (embedded PostgreSQL, a Kafka broker process, relay, projections, HTTP)
 * and runs the tutorial's curl commands, exactly as the tutorial writes them, then the demo tour.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TutorialTest {

  private static final Duration EVENTUALLY = Duration.ofSeconds(90);
  static OrdersApp app;
  static final HttpClient client = HttpClient.newHttpClient();
  static final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    // The checkout chapter's payment timeout, shorter than the sample's 30 s.
    System.setProperty(CheckoutService.TIMEOUT_PROPERTY, "PT3S");
    app = OrdersApp.start(0);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  @Order(1)
  void tutorialCurlCommands_giveTheDocumentedAnswers() throws Exception {
    List<Step> steps = steps();
    assertThat(steps).hasSizeGreaterThan(10);
    for (Step step : steps) {
      run(step);
    }
  }

  @Test
  @Order(1)
  void checkoutChapterCurlCommands_giveTheDocumentedAnswers() throws Exception {
    List<Step> steps = steps("## Checkout: a process across aggregates");
    assertThat(steps).hasSizeGreaterThan(10);
    for (Step step : steps) {
      run(step);
    }
  }

  @Test
  @Order(2)
  void demoTour_givesEveryDocumentedAnswer() {
    assertThat(new DemoTour("http://127.0.0.1:" + app.port()).run()).isTrue();
  }

  @Test
  @Order(3)
  void retryOrSkipOfADeadLetterThatDoesNotExist_is404() throws Exception {
    for (String path : List.of("/cairn/api/dead-letters/987654/retry", "/cairn/api/dead-letters/987654/skip", "/cairn/api/dead-letters/x/skip")) {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(404);
      assertThat(json.readTree(response.body()).path("error").asText()).isEqualTo("unknown_dead_letter");
    }
  }

  @Test
  @Order(3)
  void faultSwitch_isBehindTheAdminRules_andAudited() throws Exception {
    String url = "http://127.0.0.1:" + app.port() + "/admin/faults";
    HttpResponse<String> crossSite =
        client.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString("{\"failSku\":\"book\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(crossSite.statusCode()).as(crossSite.body()).isEqualTo(403);
    HttpResponse<String> form =
        client.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("failSku=book"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(form.statusCode()).as(form.body()).isEqualTo(415);
    assertThat(OrderSummaryProjection.failSku).isNull();
    HttpResponse<String> audit =
        client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/cairn/api/audit?action=refused")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(json.readTree(audit.body()).path("items").get(0).path("target").asText()).isEqualTo("POST /admin/faults");
  }

  @Test
  @Order(4)
  void stopping_deletesKafkaStreamsStateDirectory() {
    Path state = app.service().streamsDir();
    assertThat(state).isDirectory();
    app.close();
    app = null;
    assertThat(state).doesNotExist();
  }

  /** One curl command of the tutorial and the answer it documents. */
  record Step(String curl, String method, String path, List<String[]> headers, String body, int status, List<String[]> fields) {}

  private static void run(Step step) throws Exception {
    if (!step.method().equals("GET")) {
      check(step, send(step)); // commands are answered at once, and only once
      return;
    }
    // Reads of the read model and the statistics are eventually consistent: poll the outcome.
    await(step.curl())
        .atMost(EVENTUALLY)
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(() -> check(step, send(step)));
  }

  private static void check(Step step, HttpResponse<String> response) throws IOException {
    String mismatch = mismatch(step, response);
    if (mismatch != null) {
      throw new AssertionError(step.curl() + "\n  " + mismatch + "\n  answer: " + response.statusCode() + " " + response.body());
    }
  }

  private static String mismatch(Step step, HttpResponse<String> response) throws IOException {
    if (response.statusCode() != step.status()) {
      return "expected status " + step.status();
    }
    JsonNode body = json.readTree(response.body());
    for (String[] field : step.fields()) {
      if (!body.path(field[0]).asText().equals(field[1])) {
        return "expected " + field[0] + "=" + field[1];
      }
    }
    return null;
  }

  private static HttpResponse<String> send(Step step) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + step.path()));
    step.headers().forEach(h -> b.header(h[0], h[1]));
    b.method(step.method(), step.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(step.body()));
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Parses the curl commands of the tutorial's section 4 and their {@code # -> } lines. */
  static List<Step> steps() throws IOException {
    return steps("## 4.");
  }

  /** Parses the curl commands of the first block after a heading of the tutorial. */
  static List<Step> steps(String heading) throws IOException {
    String readme = Files.readString(moduleDir().resolve("README.md"));
    int section = readme.indexOf(heading);
    assertThat(section).as(heading).isNotNegative();
    int start = readme.indexOf("```\n", section) + 4;
    String block = readme.substring(start, readme.indexOf("```", start));
    List<Step> steps = new ArrayList<>();
    String curl = null;
    for (String line : block.lines().toList()) {
      if (line.startsWith("curl ")) {
        curl = line;
      } else if (line.startsWith("# -> ")) {
        steps.add(parse(curl, line.substring(5).trim()));
        curl = null;
      }
    }
    return steps;
  }

  private static Step parse(String curl, String expected) {
    List<String> tokens = tokens(curl);
    String method = null;
    String url = null;
    String body = null;
    List<String[]> headers = new ArrayList<>();
    for (int i = 1; i < tokens.size(); i++) {
      String t = tokens.get(i);
      switch (t) {
        case "-s" -> { }
        case "-X" -> method = tokens.get(++i);
        case "-H" -> {
          String h = tokens.get(++i);
          int colon = h.indexOf(':');
          headers.add(new String[] {h.substring(0, colon).trim(), h.substring(colon + 1).trim()});
        }
        case "-d" -> body = tokens.get(++i);
        default -> url = t;
      }
    }
    if (method == null) {
      method = body == null ? "GET" : "POST";
    }
    String path = url.substring(url.indexOf('/'));
    String[] parts = expected.split(" ");
    List<String[]> fields = new ArrayList<>();
    for (int i = 1; i < parts.length; i++) {
      fields.add(parts[i].split("=", 2));
    }
    return new Step(curl, method, path, headers, body, Integer.parseInt(parts[0]), fields);
  }

  /** Splits a shell command line on spaces, honouring single quotes. */
  private static List<String> tokens(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    boolean any = false;
    for (char c : line.toCharArray()) {
      if (c == '\'') {
        quoted = !quoted;
        any = true;
      } else if (c == ' ' && !quoted) {
        if (any) {
          out.add(current.toString());
          current.setLength(0);
          any = false;
        }
      } else {
        current.append(c);
        any = true;
      }
    }
    if (any) {
      out.add(current.toString());
    }
    return out;
  }

  private static Path moduleDir() {
    Path dir = Path.of("").toAbsolutePath();
    return Files.exists(dir.resolve("src/main/java/dev/cairn/sample")) ? dir : dir.resolve("sample-orders");
  }
}
