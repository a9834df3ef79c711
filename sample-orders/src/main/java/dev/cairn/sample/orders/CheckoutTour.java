package dev.cairn.sample.orders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * The checkout part of the guided tour: the happy path, an order out of stock, and a payment that
 * does not come in time. Every step prints what it sends and gets, and checks the answer.
 */
final class CheckoutTour {

  private final String base;
  private final HttpClient client = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private final Duration wait;
  private int step;

  /**
   * @param base the service's URL
   * @param firstStep the number of the tour's last step before this part
   * @param paymentTimeout the service's payment timeout (the tour waits for one)
   */
  CheckoutTour(String base, int firstStep, Duration paymentTimeout) {
    this.base = base;
    this.step = firstStep;
    this.wait = Duration.ofSeconds(60).plus(paymentTimeout);
  }

  /**
   * Runs the steps.
   *
   * @return the number of the last step
   * @throws IllegalStateException naming the step that did not give its documented answer
   */
  int run() throws IOException, InterruptedException {
    title("Checkout: stock a teapot, order two, check out (reserve, authorize, pay, commit)");
    expect(200, post("/inventory/teapot/stock", "{\"quantity\":3}"));
    expect(201, post("/orders", "{\"orderId\":\"tour-c1\",\"customerId\":\"cust-7\",\"lines\":[{\"sku\":\"teapot\",\"quantity\":2,\"unitPriceCents\":2500}]}"));
    expect(202, post("/checkouts/tour-c1", ""));
    JsonNode paid = await("/checkouts/tour-c1", n -> "PAID".equals(n.path("phase").asText()) && "CAPTURED".equals(n.path("payment").asText()));
    check(paid.path("history").size() == 3, "started, reserved, authorized: three inputs in the checkout's history");
    await("/inventory/teapot", n -> n.path("committed").asInt() == 2 && n.path("available").asInt() == 1);

    title("Checkout out of stock: the order is cancelled, nothing stays reserved");
    expect(201, post("/orders", "{\"orderId\":\"tour-c2\",\"customerId\":\"cust-7\",\"lines\":[{\"sku\":\"teapot\",\"quantity\":5,\"unitPriceCents\":2500}]}"));
    expect(202, post("/checkouts/tour-c2", ""));
    JsonNode cancelled = await("/checkouts/tour-c2", n -> "CANCELLED".equals(n.path("phase").asText()));
    check(cancelled.path("reason").asText().startsWith("out of stock"), "the reason names the missing stock");

    title("Payment timeout: the provider is slow, the deadline passes, the stock is released");
    expect(200, post("/payments/faults", "{\"mode\":\"DELAY\",\"delayMs\":600000}"));
    expect(201, post("/orders", "{\"orderId\":\"tour-c3\",\"customerId\":\"cust-7\",\"lines\":[{\"sku\":\"teapot\",\"quantity\":1,\"unitPriceCents\":2500}]}"));
    expect(202, post("/checkouts/tour-c3", ""));
    JsonNode timedOut = await("/checkouts/tour-c3", n -> "CANCELLED".equals(n.path("phase").asText()));
    check(timedOut.path("reason").asText().startsWith("payment not authorized within"), "the reason names the timeout");
    await("/inventory/teapot", n -> n.path("reserved").asInt() == 0 && n.path("available").asInt() == 1);
    expect(200, post("/payments/faults", "{\"mode\":\"NORMAL\"}"));
    return step;
  }

  private void title(String text) {
    System.out.printf("%n== %d. %s%n", ++step, text);
  }

  private JsonNode await(String path, Predicate<JsonNode> done) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    HttpResponse<String> last = null;
    while (System.nanoTime() < deadline) {
      last = client.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (last.statusCode() == 200 && done.test(json.readTree(last.body()))) {
        System.out.println("GET " + path + " -> " + last.statusCode() + " " + last.body());
        return json.readTree(last.body());
      }
      Thread.sleep(200); // the demo waits for the process, visibly bounded
    }
    throw new IllegalStateException("GET " + path + " did not reach the expected answer in " + wait + "; last: "
        + (last == null ? "none" : last.statusCode() + " " + last.body()));
  }

  private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofString(body));
    if (!body.isEmpty()) {
      b.header("Content-Type", "application/json");
    }
    System.out.println("POST " + path + " " + body);
    HttpResponse<String> response = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    System.out.println("  -> " + response.statusCode() + " " + response.body());
    return response;
  }

  private JsonNode expect(int status, HttpResponse<String> response) throws IOException {
    if (response.statusCode() != status) {
      throw new IllegalStateException(
          response.request().method() + " " + response.request().uri().getPath() + " answered " + response.statusCode()
              + " instead of " + status + ": " + response.body());
    }
    return json.readTree(response.body());
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("expected: " + what);
    }
    System.out.println("  ok: " + what);
  }
}
