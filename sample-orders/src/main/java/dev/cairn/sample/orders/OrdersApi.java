package dev.cairn.sample.orders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.cairn.api.CommandOptions;
import dev.cairn.api.CommandResult;
import dev.cairn.api.ConcurrencyConflictException;
import dev.cairn.api.EventEnvelope;
import dev.cairn.api.IdempotencyKeyReusedException;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.api.Loaded;
import dev.cairn.sample.orders.domain.AddLine;
import dev.cairn.sample.orders.domain.CancelOrder;
import dev.cairn.sample.orders.domain.Order;
import dev.cairn.sample.orders.domain.OrderCommand;
import dev.cairn.sample.orders.domain.OrderEvent;
import dev.cairn.sample.orders.domain.OrderFields;
import dev.cairn.sample.orders.domain.OrderRuleViolation;
import dev.cairn.sample.orders.domain.PayOrder;
import dev.cairn.sample.orders.domain.PlaceOrder;
import dev.cairn.sample.orders.domain.RemoveLine;
import dev.cairn.sample.orders.domain.ShipOrder;
import dev.cairn.admin.CairnAdmin;
import dev.cairn.admin.http.ApiException;
import dev.cairn.admin.http.ApiHandler;
import dev.cairn.admin.http.ApiRequest;
import dev.cairn.admin.http.ApiResponse;
import dev.cairn.admin.http.Router;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sample's HTTP API as a framework-neutral {@link ApiHandler}: commands as POSTs (with an
 * optional {@code Idempotency-Key} and {@code If-Match} version), reads from the read model and
 * the store, and the demo's fault switch; es-admin's API and console answer under {@code /cairn}. Bodies are strict JSON objects declared {@code
 * application/json}; every answer is JSON; a user error is a 4xx, a database that is briefly away
 * a 503 with {@code Retry-After}, never a 500.
 */
final class OrdersApi implements ApiHandler {

  private static final Logger LOG = LoggerFactory.getLogger(OrdersApi.class);
  /** The instants PostgreSQL's timestamptz and Java's conversions both hold. */
  private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");
  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,200}");
  private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

  private final OrdersService service;
  private final ObjectMapper json = JacksonEventSerializer.defaultMapper();
  private final ObjectMapper strict = strictMapper();
  private final Router router;
  private final CheckoutRoutes checkout;

  OrdersApi(OrdersService service) {
    this.service = service;
    this.checkout = new CheckoutRoutes(service.checkout());
    this.router =
        Router.builder()
            .get("/health", r -> JsonViews.health(json, service.health()))
            .get("/metrics", r -> ok(service.metrics()))
            .post("/orders", this::place)
            .get("/orders/{id}", this::order)
            .get("/orders/{id}/history", this::history)
            .post("/orders/{id}/{action}", this::command)
            .get("/customers/{id}/stats", r -> ok(service.customerStats(existingId(r.pathParam("id"), "customer"))))
            .post("/admin/faults", this::fault)
            .build();
  }

  @Override
  public ApiResponse handle(ApiRequest request) {
    CairnAdmin admin = service.admin();
    String path = request.rawPath();
    if (path.equals("/cairn") || path.startsWith("/cairn/")) {
      // es-admin's API and console: its own security, audit and errors.
      return admin == null
          ? ApiResponse.error(503, "not_available", "the admin API starts with the pipeline")
          : admin.api().handle(request);
    }
    try {
      if (checkout.owns(request)) {
        return checkout.handle(request);
      }
      return router.handle(request);
    } catch (ApiException e) {
      return e.response();
    } catch (OrderRuleViolation e) {
      int status = e.rule() == OrderRuleViolation.Rule.UNKNOWN_ORDER ? 404 : 422;
      return ApiResponse.error(status, e.rule().name().toLowerCase(Locale.ROOT), e.getMessage());
    } catch (ConcurrencyConflictException e) {
      return ApiResponse.error(409, "stale_version", e.getMessage());
    } catch (IdempotencyKeyReusedException e) {
      return ApiResponse.error(422, "idempotency_key_reused", e.getMessage());
    } catch (IllegalArgumentException | NullPointerException e) {
      return ApiResponse.error(400, "invalid_request", String.valueOf(e.getMessage()));
    } catch (RuntimeException e) {
      if (Failures.databaseUnavailable(e)) {
        LOG.warn("{} {}: the database is unavailable: {}", request.method(), request.rawPath(), e.toString());
        return ApiResponse.error(503, "unavailable", "the database is unavailable for the moment; try again")
            .withHeader("Retry-After", "1");
      }
      LOG.error("{} {} failed", request.method(), request.rawPath(), e);
      return ApiResponse.error(500, "internal_error", "the server failed; see its log");
    }
  }

  /**
   * The demo's fault switch: makes the summary projection fail on a sku (the tour's poison event).
   * An operator's action, so it sits behind the admin API's rules (loopback Host, no foreign
   * Origin, JSON; the token when one is configured) and is audited like the admin's own actions.
   */
  private ApiResponse fault(ApiRequest r) {
    CairnAdmin admin = service.admin();
    if (admin == null) {
      throw new ApiException(503, "not_available", "the admin API starts with the pipeline");
    }
    java.util.Optional<ApiResponse> refused = admin.security().check(r, true);
    String actor = admin.security().actor(r);
    if (refused.isPresent()) {
      admin.audit().record(actor, r.remoteAddress(), "refused", "POST /admin/faults", Map.of(), refused.get().status(), "refused");
      return refused.get();
    }
    Map<String, Object> result = service.fault(optionalObject(r));
    admin.audit().record(actor, r.remoteAddress(), "sample.fault", OrderSummaryProjection.NAME, result, 200, "set");
    return ok(result);
  }

  private ApiResponse place(ApiRequest r) {
    ObjectNode body = requiredObject(r);
    String id;
    if (body.has("orderId")) {
      JsonNode given = body.remove("orderId");
      if (!given.isTextual()) {
        throw new ApiException(400, "invalid_request", "orderId must be a string if given, was " + given);
      }
      id = given.asText();
      OrderFields.checkOrderId(id);
    } else {
      id = "ord-" + UUID.randomUUID().toString().substring(0, 8);
    }
    return respond(201, commandResult(service.handle(id, read(body, PlaceOrder.class), options(r))));
  }

  private ApiResponse order(ApiRequest r) {
    String id = existingId(r.pathParam("id"), "order");
    if (r.query("asOf").isPresent()) {
      return ok(stateAsOf(id, r.query("asOf").get()));
    }
    return ok(service
        .summary(id)
        .orElseThrow(() -> new ApiException(404, "unknown_order", "order " + id + " does not exist (or is not in the read model yet)")));
  }

  private ApiResponse history(ApiRequest r) {
    String id = existingId(r.pathParam("id"), "order");
    List<EventEnvelope<OrderEvent>> history = service.orders().history(id);
    if (history.isEmpty()) {
      throw new ApiException(404, "unknown_order", "order " + id + " does not exist");
    }
    return ok(history.stream().map(OrdersApi::event).toList());
  }

  private ApiResponse command(ApiRequest r) {
    String action = r.pathParam("action");
    Class<? extends OrderCommand> type =
        switch (action) {
          case "add-line" -> AddLine.class;
          case "remove-line" -> RemoveLine.class;
          case "pay" -> PayOrder.class;
          case "ship" -> ShipOrder.class;
          case "cancel" -> CancelOrder.class;
          default -> throw new ApiException(404, "unknown_action", "no command " + action + " on orders");
        };
    String id = existingId(r.pathParam("id"), "order");
    OrderCommand command = read(requiredObject(r), type);
    String ifMatch = r.header("If-Match").orElse(null);
    if (ifMatch != null) {
      long expected = parseVersion(ifMatch);
      long actual = service.orders().load(id).version();
      if (actual != expected) {
        throw new ApiException(409, "stale_version", "order " + id + ": expected version " + expected + " but was " + actual);
      }
    }
    return ok(commandResult(service.handle(id, command, options(r))));
  }

  /** An id from the path: one that could not have been created cannot exist. */
  private static String existingId(String id, String what) {
    if (!OrderFields.isId(id)) {
      throw new ApiException(404, "unknown_" + what, what + " " + id.replaceAll("\\p{Cntrl}", "?")
          + " does not exist: ids are letters, digits, '.', '_', '~' and '-', at most " + OrderFields.MAX_ID_LENGTH);
    }
    return id;
  }

  private Map<String, Object> stateAsOf(String id, String asOf) {
    Instant instant;
    try {
      instant = Instant.parse(asOf);
    } catch (DateTimeParseException e) {
      throw new ApiException(400, "invalid_request", "asOf must be an ISO-8601 instant such as 2026-01-01T00:00:00Z but was " + asOf);
    }
    if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
      throw new ApiException(400, "invalid_request", "asOf must be between " + EARLIEST + " and " + LATEST + " but was " + asOf);
    }
    Loaded<Order> loaded = service.orders().loadAsOf(id, instant);
    if (!loaded.exists()) {
      throw new ApiException(404, "unknown_order", "order " + id + " did not exist at " + asOf);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("orderId", id);
    out.put("version", loaded.version());
    out.put("asOf", asOf);
    out.put("state", loaded.state());
    return out;
  }

  private static Map<String, Object> commandResult(CommandResult<OrderEvent> result) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("orderId", result.streamId());
    out.put("version", result.version());
    out.put("duplicate", result.duplicate());
    out.put("events", result.events().stream().map(OrdersApi::event).toList());
    return out;
  }

  private static Map<String, Object> event(EventEnvelope<OrderEvent> e) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("version", e.version());
    out.put("type", e.eventType());
    out.put("recordedAt", e.recordedAt().toString());
    out.put("event", e.event());
    return out;
  }

  private static CommandOptions options(ApiRequest r) {
    CommandOptions options = CommandOptions.defaults();
    String trace = r.header("traceparent").orElse(null);
    // W3C Trace Context: a malformed traceparent is ignored, not refused.
    if (trace != null && TRACEPARENT.matcher(trace).matches()) {
      options = options.withMetadata(options.metadata().withTraceparent(trace));
    }
    String key = r.header("Idempotency-Key").orElse(null);
    if (key == null) {
      return options;
    }
    if (!IDEMPOTENCY_KEY.matcher(key).matches()) {
      throw new ApiException(400, "invalid_request", "Idempotency-Key must be 1 to 200 visible ASCII characters, was " + key.length() + " characters: " + key);
    }
    return options.withIdempotencyKey(key);
  }

  private static long parseVersion(String header) {
    try {
      return Long.parseLong(header.replace("\"", "").trim());
    } catch (NumberFormatException e) {
      throw new ApiException(400, "invalid_request", "If-Match must be a version number but was " + header);
    }
  }

  private ObjectNode requiredObject(ApiRequest r) {
    ObjectNode node = optionalObject(r);
    if (node == null) {
      throw new ApiException(400, "malformed_json", "the request needs a JSON object body");
    }
    return node;
  }

  /** The body as a JSON object, or null if there is none; strict about the JSON and its type. */
  private @Nullable ObjectNode optionalObject(ApiRequest r) {
    if (r.body().length == 0) {
      return null;
    }
    if (!r.isJson()) {
      throw new ApiException(415, "unsupported_media_type",
          "the body must be declared Content-Type: application/json, was " + r.header("Content-Type").orElse("(none)"));
    }
    JsonNode tree;
    try {
      tree = strict.readTree(r.body());
    } catch (IOException e) {
      String message = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
      throw new ApiException(400, "malformed_json", "the body is not valid JSON: " + message);
    }
    if (tree instanceof ObjectNode node) {
      return node;
    }
    throw new ApiException(400, "malformed_json", "the body must be a JSON object, was " + tree.getNodeType());
  }

  private <T> T read(ObjectNode body, Class<T> type) {
    try {
      return strict.treeToValue(body, type);
    } catch (JsonMappingException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      String message = cause instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : cause.getMessage();
      throw new ApiException(400, "invalid_request", type.getSimpleName() + ": " + message);
    } catch (JsonProcessingException e) {
      throw new ApiException(400, "malformed_json", e.getOriginalMessage());
    }
  }

  private ApiResponse ok(Object body) {
    return respond(200, body);
  }

  private ApiResponse respond(int status, Object body) {
    return JsonViews.answer(json, status, body);
  }

  /**
   * Cairn's strict mapper, stricter still for input from the network: no trailing tokens, no
   * duplicate keys, no null for a required field, and no number or boolean read as a string.
   */
  private static ObjectMapper strictMapper() {
    JsonMapper mapper =
        ((JsonMapper) JacksonEventSerializer.defaultMapper())
            .rebuild()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
            .build();
    for (CoercionInputShape shape : List.of(CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean)) {
      mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
    }
    mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
    mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
    mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
    mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
    return mapper;
  }
}
