package dev.cairn.sample.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.cli.Cairn;
import java.io.PrintWriter;
import java.io.StringWriter;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keeps the tutorial's console and CLI part true: the screenshot it shows is there, and the
 * {@code cairn} commands it shows, run against the running sample in the tutorial's scene (a
 * poison order parked by the fault switch), give the documented exit codes and answers.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TutorialCliTest {

  static OrdersApp app;
  static final HttpClient client = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    app = OrdersApp.start(0);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  record Run(int exitCode, String out, String err) {}

  static Run cairn(String commandLine) {
    List<String> args = new ArrayList<>(List.of(commandLine.trim().split("\\s+")));
    args.addAll(List.of("--jdbc-url", app.jdbcUrl()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Cairn.run(new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  static void post(String path, String body) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + " " + r.body()).isLessThan(300);
  }

  @Test
  void theTutorialShowsTheConsoleScreenshot_andItsCliCommandsGiveTheDocumentedAnswers() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    assertThat(readme).contains("![The Cairn console", "(docs/console.png)");
    assertThat(Path.of("docs", "console.png")).isRegularFile();

    // The scene: a poison order parked by the fault switch.
    post("/admin/faults", "{\"failSku\":\"glue\"}");
    post("/orders", "{\"orderId\":\"t-2\",\"customerId\":\"bob\",\"lines\":[{\"sku\":\"glue\",\"quantity\":1,\"unitPriceCents\":400}]}");
    await().atMost(Duration.ofSeconds(90)).until(() -> cairn("dead-letters list").out().contains("PARKED"));

    Run list = cairn("projections list");
    assertThat(list.exitCode()).isZero();
    assertThat(list.out()).contains("order_summary", "ACTIVE", "kafka", "injected fault: the read model refuses sku glue");
    Run letters = cairn("dead-letters list");
    assertThat(letters.out()).contains("PARKED", "t-2", "OrderPlaced");
    String id = letters.out().lines().skip(1).findFirst().orElseThrow().split("\\s+")[0];

    Run doctor = cairn("doctor");
    assertThat(doctor.exitCode()).as(doctor.out()).isEqualTo(Cairn.PROBLEM);
    assertThat(doctor.out()).contains("PROBLEM  parked", "projection order_summary v1: 1 event(s) parked");

    post("/admin/faults", "{}");
    Run retry = cairn("dead-letters retry " + id + " --actor ann");
    assertThat(retry.exitCode()).as(retry.toString()).isZero();
    assertThat(retry.out()).contains("command:     RETRY", "requestedBy: ann", "status:      DONE");

    Run pause = cairn("projections pause order_summary --actor ann");
    assertThat(pause.exitCode()).isZero();
    assertThat(cairn("projections list").out()).containsPattern("order_summary\\s+1\\s+ACTIVE\\s+true");
    assertThat(cairn("projections resume order_summary --actor ann").exitCode()).isZero();

    Run audit = cairn("audit");
    assertThat(audit.out()).contains("ann", "cli@", "dead-letter.retry", "projection.pause", "projection.resume");

    Run missing = cairn("streams show nope");
    assertThat(missing.exitCode()).isEqualTo(Cairn.NOT_FOUND);
    assertThat(missing.err()).contains("cairn: no stream nope in public.streams");
  }
}
