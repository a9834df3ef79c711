package dev.cairn.sample.orders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The guided tour of the sample, run against its HTTP API: every step prints what it sends and
 * what it gets, and checks the answer. Returns false on the first step that does not give the
 * documented answer.
 */
final class DemoTour {

  private static final Duration CATCH_UP = Duration.ofSeconds(60);

  private final String base;
  private final HttpClient client = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private int step;

  DemoTour(String base) {
    this.base = base;
  }

  /** Runs every step; true if all gave the documented answers. */
  boolean run() {
    try {
      tour();
      System.out.println("\nDemo finished: every step gave the documented answer.");
      return true;
    } catch (TourFailure | IOException e) {
      System.out.println("\nDemo FAILED: " + e.getMessage());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void tour() throws IOException, InterruptedException {
    title("Place an order");
    JsonNode placed =
        expect(201, post("/orders", "{\"orderId\":\"ord-1\",\"customerId\":\"cust-7\",\"lines\":[{\"sku\":\"book\",\"quantity\":2,\"unitPriceCents\":1250}]}", null));
    check(placed.path("version").asLong() == 1, "the new order is at version 1");

    title("Add a line, then pay with an idempotency key, twice");
    expect(200, post("/orders/ord-1/add-line", "{\"line\":{\"sku\":\"pen\",\"quantity\":1,\"unitPriceCents\":300}}", null));
    Instant beforePayment = Instant.now();
    JsonNode paid = expect(200, post("/orders/ord-1/pay", "{\"amountCents\":2800}", "pay-ord-1"));
    JsonNode again = expect(200, post("/orders/ord-1/pay", "{\"amountCents\":2800}", "pay-ord-1"));
    check(again.path("duplicate").asBoolean() && again.path("version").equals(paid.path("version")),
        "the resent payment returns the first result and appends nothing");

    title("Place two more orders for the same customer");
    expect(201, post("/orders", "{\"orderId\":\"ord-2\",\"customerId\":\"cust-7\",\"lines\":[{\"sku\":\"lamp\",\"quantity\":1,\"unitPriceCents\":4500}]}", null));
    expect(200, post("/orders/ord-2/pay", "{\"amountCents\":4500}", null));
    expect(201, post("/orders", "{\"orderId\":\"ord-3\",\"customerId\":\"cust-9\",\"lines\":[{\"sku\":\"mug\",\"quantity\":3,\"unitPriceCents\":800}]}", null));

    title("Read the order summary (read model fed from Kafka)");
    JsonNode summary = await("/orders/ord-1", n -> "PAID".equals(n.path("status").asText()));
    check(summary.path("totalCents").asLong() == 2800 && summary.path("lineCount").asInt() == 2, "ord-1 is PAID, total 2800, 2 lines");

    title("Read the order's history from the store");
    JsonNode history = expect(200, get("/orders/ord-1/history"));
    check(history.size() == 3, "placed, line added, paid");

    title("Read the order as it was before payment (temporal read from the store)");
    JsonNode asOf = expect(200, get("/orders/ord-1?asOf=" + beforePayment));
    check("PLACED".equals(asOf.path("state").path("status").asText()), "before payment it was PLACED");

    title("Customer statistics (Kafka Streams projection)");
    await("/customers/cust-7/stats", n -> n.path("orders").asLong() == 2 && n.path("revenueCents").asLong() == 7300);

    title("Errors are 4xx with a JSON body");
    expect(400, post("/orders", "{not json", null));
    expect(404, get("/orders/ord-404/history"));
    expect(422, post("/orders/ord-3/pay", "{\"amountCents\":1}", null));
    expect(422, post("/orders/ord-2/pay", "{\"amountCents\":4500}", "pay-ord-1"));

    title("Replay the summary projection from the beginning (es-admin: a request its runner executes)");
    JsonNode replay = expect(202, post("/cairn/api/projections/order_summary/replay", "{\"from\":\"beginning\"}", null));
    await("/cairn/api/commands/" + replay.path("id").asText(), n -> "DONE".equals(n.path("status").asText()));
    await("/orders/ord-3", n -> "PLACED".equals(n.path("status").asText()));

    title("Rebuild the summary projection as version 2 while it keeps serving; switch when caught up");
    expect(202, post("/cairn/api/projections/order_summary/rebuild", "{\"version\":2,\"switchWhenCaughtUp\":true}", null));
    await("/cairn/api/projections/order_summary", n -> n.path("serving").asInt() == 2);
    expect(200, get("/orders/ord-2"));

    title("A poison event is parked, then retried after the fix");
    expect(200, post("/admin/faults", "{\"failSku\":\"poison\"}", null));
    expect(201, post("/orders", "{\"orderId\":\"ord-p\",\"customerId\":\"cust-9\",\"lines\":[{\"sku\":\"poison\",\"quantity\":1,\"unitPriceCents\":100}]}", null));
    JsonNode parked = await("/cairn/api/dead-letters?projection=order_summary", n -> n.path("total").asLong() > 0);
    expect(404, get("/orders/ord-p"));
    expect(200, post("/admin/faults", "{}", null));
    expect(202, post("/cairn/api/dead-letters/" + parked.path("items").get(0).path("id").asText() + "/retry", "{}", null));
    await("/orders/ord-p", n -> "PLACED".equals(n.path("status").asText()));
    await("/cairn/api/dead-letters", n -> n.path("total").asLong() == 0);
    await("/cairn/api/audit", n -> n.path("total").asLong() >= 3);

    try {
      step = new CheckoutTour(base, step, CheckoutService.configuredTimeout()).run();
    } catch (IllegalStateException e) {
      throw new TourFailure(e.getMessage());
    }
  }

  private void title(String text) {
    System.out.printf("%n== %d. %s%n", ++step, text);
  }

  private JsonNode await(String path, Predicate<JsonNode> done) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + CATCH_UP.toNanos();
    HttpResponse<String> last = null;
    while (System.nanoTime() < deadline) {
      last = send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), false);
      if (last.statusCode() == 200 && done.test(json.readTree(last.body()))) {
        System.out.println("GET " + path + " -> " + last.statusCode() + " " + last.body());
        return json.readTree(last.body());
      }
      Thread.sleep(200); // the demo waits for eventual consistency, visibly bounded
    }
    throw new TourFailure("GET " + path + " did not reach the expected answer in " + CATCH_UP + "; last: "
        + (last == null ? "none" : last.statusCode() + " " + last.body()));
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), true);
  }

  private HttpResponse<String> post(String path, String body, @Nullable String idempotencyKey)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (idempotencyKey != null) {
      b.header("Idempotency-Key", idempotencyKey);
    }
    System.out.println("POST " + path + (idempotencyKey == null ? "" : " (Idempotency-Key: " + idempotencyKey + ")") + " " + body);
    return send(b.build(), true);
  }

  private HttpResponse<String> send(HttpRequest request, boolean print) throws IOException, InterruptedException {
    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
    if (print) {
      System.out.println("  -> " + response.statusCode() + " " + response.body());
    }
    return response;
  }

  private JsonNode expect(int status, HttpResponse<String> response) throws IOException {
    if (response.statusCode() != status) {
      throw new TourFailure(request(response) + " answered " + response.statusCode() + " instead of " + status + ": " + response.body());
    }
    return json.readTree(response.body());
  }

  private static String request(HttpResponse<String> response) {
    return response.request().method() + " " + response.request().uri().getPath();
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new TourFailure("expected: " + what);
    }
    System.out.println("  ok: " + what);
  }

  /** A step that did not give its documented answer. */
  private static final class TourFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TourFailure(@Nullable String message) {
      super(message);
    }
  }
}
