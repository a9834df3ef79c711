package dev.cairn.sample.orders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.api.CommandOptions;
import dev.cairn.api.CommandRejectedException;
import dev.cairn.api.CommandResult;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.sample.orders.checkout.PaymentGateway;
import dev.cairn.sample.orders.domain.OrderFields;
import dev.cairn.sample.orders.domain.OrderRuleViolation;
import dev.cairn.admin.http.ApiException;
import dev.cairn.admin.http.ApiHandler;
import dev.cairn.admin.http.ApiRequest;
import dev.cairn.admin.http.ApiResponse;
import dev.cairn.admin.http.Router;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The checkout's HTTP endpoints, beside the order API:
 *
 * <ul>
 *   <li>{@code POST /inventory/{sku}/stock {"quantity": n}} adds stock; {@code GET /inventory}
 *       and {@code GET /inventory/{sku}} show stock levels;
 *   <li>{@code POST /checkouts/{orderId}} starts an order's checkout (its lines freeze); {@code GET
 *       /checkouts/{orderId}} shows the checkout's phase, history and deadlines;
 *   <li>{@code POST /payments/faults {"mode": "NORMAL"|"REFUSE"|"DELAY", "delayMs": n}} sets the
 *       payment provider's fault switch; {@code GET /checkouts} the workflow's status.
 * </ul>
 */
final class CheckoutRoutes implements ApiHandler {

  private final CheckoutService checkout;
  private final ObjectMapper json = JacksonEventSerializer.defaultMapper();
  private final Router router;

  CheckoutRoutes(CheckoutService checkout) {
    this.checkout = checkout;
    this.router =
        Router.builder()
            .get("/inventory", r -> ok(Map.of("skus", checkout.skus().stream().map(checkout::stock).toList())))
            .get("/inventory/{sku}", r -> ok(checkout.stock(sku(r))))
            .post("/inventory/{sku}/stock", this::addStock)
            .get("/checkouts", r -> ok(checkout.status()))
            .post("/checkouts/{id}", this::start)
            .get("/checkouts/{id}", this::show)
            .post("/payments/faults", this::faults)
            .build();
  }

  /** Tells whether a request is for these routes. */
  boolean owns(ApiRequest request) {
    String p = request.rawPath();
    return p.equals("/inventory") || p.startsWith("/inventory/") || p.equals("/checkouts") || p.startsWith("/checkouts/")
        || p.equals("/payments/faults");
  }

  @Override
  public ApiResponse handle(ApiRequest request) {
    try {
      return router.handle(request);
    } catch (ApiException e) {
      return e.response();
    } catch (OrderRuleViolation e) {
      int status = e.rule() == OrderRuleViolation.Rule.UNKNOWN_ORDER ? 404 : 422;
      return ApiResponse.error(status, e.rule().name().toLowerCase(Locale.ROOT), e.getMessage());
    } catch (CommandRejectedException e) {
      return ApiResponse.error(422, "rejected", e.getMessage());
    } catch (IllegalArgumentException e) {
      return ApiResponse.error(400, "invalid_request", String.valueOf(e.getMessage()));
    }
  }

  private static String sku(ApiRequest r) {
    String sku = r.pathParam("sku");
    OrderFields.checkSku(sku);
    return sku;
  }

  private ApiResponse addStock(ApiRequest r) {
    JsonNode body = body(r);
    JsonNode quantity = body.get("quantity");
    if (quantity == null || !quantity.canConvertToInt() || !quantity.isIntegralNumber()) {
      throw new ApiException(400, "invalid_request", "quantity must be a whole number, was " + quantity);
    }
    String sku = sku(r);
    CommandResult<?> result = checkout.addStock(sku, quantity.intValue(), options(r));
    Map<String, Object> answer = new LinkedHashMap<>(checkout.stock(sku));
    answer.put("duplicate", result.duplicate());
    return ok(answer);
  }

  private ApiResponse start(ApiRequest r) {
    String id = r.pathParam("id");
    OrderFields.checkOrderId(id);
    CommandResult<?> result = checkout.startCheckout(id, options(r));
    return respond(202, Map.of("orderId", id, "version", result.version(), "duplicate", result.duplicate()));
  }

  private ApiResponse show(ApiRequest r) {
    String id = r.pathParam("id");
    return checkout.checkout(id)
        .map(this::ok)
        .orElseGet(() -> ApiResponse.error(404, "unknown_checkout", "order " + id + " has no checkout (yet)"));
  }

  private ApiResponse faults(ApiRequest r) {
    JsonNode body = body(r);
    String mode = body.path("mode").asText("");
    PaymentGateway.Mode m;
    try {
      m = PaymentGateway.Mode.valueOf(mode);
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "invalid_request", "mode must be one of " + List.of(PaymentGateway.Mode.values()) + ", was '" + mode + "'");
    }
    long delay = body.path("delayMs").asLong(0);
    return ok(checkout.faults(new PaymentGateway.Faults(m, Duration.ofMillis(delay))));
  }

  private static CommandOptions options(ApiRequest r) {
    CommandOptions options = CommandOptions.defaults();
    return r.header("Idempotency-Key").map(options::withIdempotencyKey).orElse(options);
  }

  private JsonNode body(ApiRequest r) {
    if (r.body().length == 0 || !r.isJson()) {
      throw new ApiException(400, "malformed_json", "the request needs a JSON object body declared application/json");
    }
    try {
      JsonNode node = json.readTree(r.body());
      if (!node.isObject()) {
        throw new ApiException(400, "malformed_json", "the body must be a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new ApiException(400, "malformed_json", "the body is not valid JSON: " + e.getMessage());
    }
  }

  private ApiResponse ok(Object body) {
    return respond(200, body);
  }

  private ApiResponse respond(int status, Object body) {
    try {
      return ApiResponse.json(status, json.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not write the answer as JSON", e);
    }
  }
}
