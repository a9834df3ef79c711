package dev.cairn.sample.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tutorial's two processes in one JVM: the write side ({@link OrdersApp}: its PostgreSQL, a
 * Kafka broker process, the relay) and the read side ({@link ReadSideApp}: a PostgreSQL server of
 * its own and the write side's Kafka, nothing else), each on its own HTTP port.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ReadSideAppTest {

  private static final Duration EVENTUALLY = Duration.ofSeconds(90);
  static OrdersApp writeSide;
  static ReadSideApp readSide;
  static final HttpClient client = HttpClient.newHttpClient();
  static final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void start() {
    writeSide = assertStarted(() -> OrdersApp.start(0));
    readSide = ReadSideApp.start(null, writeSide.bootstrapServers(), ReadSideApp.DEFAULT_GROUP, null, 0);
  }

  private interface Starter {
    OrdersApp start() throws Exception;
  }

  private static OrdersApp assertStarted(Starter s) {
    try {
      return s.start();
    } catch (Exception e) {
      throw new IllegalStateException("the write side did not start", e);
    }
  }

  @AfterAll
  static void stop() {
    if (readSide != null) {
      readSide.close();
    }
    if (writeSide != null) {
      writeSide.close();
    }
  }

  @Test
  void tutorialsReadSideCommands_giveTheDocumentedAnswers_andReadersSeeNoErrorThroughTheRebuild() throws Exception {
    List<Step> steps = steps();
    assertThat(steps).hasSizeGreaterThan(5);
    AtomicBoolean reading = new AtomicBoolean(true);
    AtomicLong reads = new AtomicLong();
    Queue<String> failures = new ConcurrentLinkedQueue<>();
    Thread reader = new Thread(() -> {
      while (reading.get()) {
        try {
          HttpResponse<String> r = get(url(8081, "/orders/r-1"));
          if (r.statusCode() != 200) {
            failures.add(r.statusCode() + " " + r.body());
          }
          reads.incrementAndGet();
        } catch (Exception e) {
          failures.add(e.toString());
        }
      }
    });
    try {
      for (Step step : steps) {
        if (step.path().endsWith("/rebuild")) {
          // From here on a reader keeps asking the read side while it rebuilds and switches.
          reader.start();
        }
        run(step);
      }
      long after = reads.get();
      await().atMost(EVENTUALLY).until(() -> reads.get() > after + 5);
    } finally {
      reading.set(false);
      if (reader.isAlive()) {
        reader.join();
      }
    }
    assertThat(reads.get()).isPositive();
    assertThat(failures).isEmpty();
    JsonNode status = json.readTree(get(url(8081, "/admin/projections")).body());
    assertThat(status.path("versions")).anySatisfy(v -> {
      assertThat(v.path("version").asInt()).isEqualTo(1);
      assertThat(v.path("status").asText()).isEqualTo("RETIRED");
    });
    assertThat(status.path("versions")).anySatisfy(v -> {
      assertThat(v.path("version").asInt()).isEqualTo(2);
      assertThat(v.path("status").asText()).isEqualTo("ACTIVE");
    });
    // The write side's own summary is untouched: another consumer group, another database.
    JsonNode writeSideStatus = json.readTree(get(url(8080, "/admin/projections")).body());
    assertThat(writeSideStatus.path("versions").get(0).path("version").asInt()).isEqualTo(1);
    // The read side serves no commands.
    assertThat(post(url(8081, "/orders"), "{}").statusCode()).isIn(404, 405);
  }

  /** One curl command of the tutorial and the answer written under it. */
  record Step(String curl, int port, String method, String path, String body, int status, List<String[]> fields) {}

  /** Maps the tutorial's ports to the test's: 8080 the write side, 8081 the read side. */
  private static String url(int documentedPort, String path) {
    int port = documentedPort == 8080 ? writeSide.port() : readSide.port();
    return "http://127.0.0.1:" + port + path;
  }

  private static void run(Step step) throws Exception {
    if (!step.method().equals("GET")) {
      check(step, send(step));
      return;
    }
    // The read side is eventually consistent: poll for the documented answer.
    await(step.curl()).atMost(EVENTUALLY).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> check(step, send(step)));
  }

  private static void check(Step step, HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(step.curl() + " -> " + response.body()).isEqualTo(step.status());
    JsonNode body = json.readTree(response.body());
    for (String[] field : step.fields()) {
      assertThat(body.path(field[0]).asText()).as(step.curl() + " -> " + response.body()).isEqualTo(field[1]);
    }
  }

  private static HttpResponse<String> send(Step step) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(step.port(), step.path())));
    if (step.body() != null) {
      b.header("Content-Type", "application/json");
    }
    b.method(step.method(), step.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(step.body()));
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Parses the curl commands of the tutorial's section 5 (the third block) and their answers. */
  static List<Step> steps() throws IOException {
    String readme = Files.readString(moduleDir().resolve("README.md"));
    int at = readme.indexOf("## 5.");
    for (int block = 0; block < 2; block++) {
      at = readme.indexOf("```", readme.indexOf("```\n", at) + 4) + 3;
    }
    int start = readme.indexOf("```\n", at) + 4;
    String text = readme.substring(start, readme.indexOf("```", start));
    Pattern curl = Pattern.compile("curl -s (?:-X (\\w+) )?localhost:(\\d+)(\\S+)(?: -H '[^']*')?(?: -d '([^']*)')?");
    List<Step> steps = new ArrayList<>();
    Matcher last = null;
    String lastLine = null;
    for (String line : text.lines().toList()) {
      Matcher m = curl.matcher(line);
      if (m.matches()) {
        last = m;
        lastLine = line;
      } else if (line.startsWith("# -> ") && last != null) {
        String[] parts = line.substring(5).trim().split(" ");
        List<String[]> fields = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
          fields.add(parts[i].split("=", 2));
        }
        String method = last.group(1) != null ? last.group(1) : last.group(4) != null ? "POST" : "GET";
        steps.add(new Step(lastLine, Integer.parseInt(last.group(2)), method, last.group(3), last.group(4), Integer.parseInt(parts[0]), fields));
        last = null;
      }
    }
    return steps;
  }

  private static Path moduleDir() {
    Path dir = Path.of("").toAbsolutePath();
    return Files.exists(dir.resolve("src/main/java/dev/cairn/sample")) ? dir : dir.resolve("sample-orders");
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String url, String body) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
