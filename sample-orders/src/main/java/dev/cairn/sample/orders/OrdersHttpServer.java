package dev.cairn.sample.orders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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
import dev.cairn.sample.orders.domain.OrderRuleViolation;
import dev.cairn.sample.orders.domain.PayOrder;
import dev.cairn.sample.orders.domain.PlaceOrder;
import dev.cairn.sample.orders.domain.RemoveLine;
import dev.cairn.sample.orders.domain.ShipOrder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sample's HTTP API on the JDK's built-in server: commands as POSTs (with an optional {@code
 * Idempotency-Key} and {@code If-Match} version), reads from the read model and the store, and
 * the admin endpoints. Every user error is a 4xx with a JSON body; never a 500.
 */
final class OrdersHttpServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OrdersHttpServer.class);
  private static final Pattern ORDER = Pattern.compile("/orders/([^/]+)");
  private static final Pattern ORDER_ACTION = Pattern.compile("/orders/([^/]+)/([a-z-]+)");
  private static final Pattern CUSTOMER_STATS = Pattern.compile("/customers/([^/]+)/stats");

  private final OrdersService service;
  private final ObjectMapper json = JacksonEventSerializer.defaultMapper();
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(8);

  OrdersHttpServer(OrdersService service, int port) throws IOException {
    this.service = service;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    server.setExecutor(executor);
    server.createContext("/", this::dispatch);
  }

  void start() {
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void dispatch(HttpExchange ex) throws IOException {
    try {
      answer(ex);
    } catch (IOException | RuntimeException e) {
      LOG.warn("{} {}: could not answer: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
    } finally {
      ex.close();
    }
  }

  // The exchange stays open until the error, if any, has been sent: a try-with-resources on it
  // would close it before the catch blocks run.
  private void answer(HttpExchange ex) throws IOException {
    try {
      Object body = route(ex);
      int status = ex.getRequestMethod().equals("POST") && ex.getRequestURI().getPath().equals("/orders") ? 201 : 200;
      send(ex, status, body);
    } catch (HttpFailure f) {
      send(ex, f.error().status(), f.error());
    } catch (OrderRuleViolation e) {
      int status = e.rule() == OrderRuleViolation.Rule.UNKNOWN_ORDER ? 404 : 422;
      send(ex, status, new ApiError(status, e.rule().name().toLowerCase(), e.getMessage()));
    } catch (ConcurrencyConflictException e) {
      send(ex, 409, new ApiError(409, "stale_version", e.getMessage()));
    } catch (IdempotencyKeyReusedException e) {
      send(ex, 422, new ApiError(422, "idempotency_key_reused", e.getMessage()));
    } catch (IllegalArgumentException | NullPointerException e) {
      send(ex, 400, new ApiError(400, "invalid_request", String.valueOf(e.getMessage())));
    } catch (RuntimeException e) {
      LOG.error("{} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
      send(ex, 500, new ApiError(500, "internal_error", "the server failed; see its log"));
    }
  }

  private Object route(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getPath();
    Map<String, String> query = query(ex);
    Matcher m;
    if (method.equals("GET") && path.equals("/health")) {
      return service.health();
    }
    if (method.equals("GET") && path.equals("/metrics")) {
      return service.metrics();
    }
    if (method.equals("POST") && path.equals("/orders")) {
      ObjectNode body = readObject(ex);
      String id = body.has("orderId") ? body.remove("orderId").asText() : "ord-" + UUID.randomUUID().toString().substring(0, 8);
      return commandResult(service.handle(id, read(body, PlaceOrder.class), options(ex)));
    }
    if (method.equals("GET") && (m = ORDER.matcher(path)).matches()) {
      String id = decode(m.group(1));
      if (query.containsKey("asOf")) {
        return stateAsOf(id, query.get("asOf"));
      }
      return service
          .summary(id)
          .orElseThrow(() -> new HttpFailure(404, "unknown_order", "order " + id + " does not exist (or is not in the read model yet)"));
    }
    if (method.equals("GET") && (m = ORDER_ACTION.matcher(path)).matches() && m.group(2).equals("history")) {
      String id = decode(m.group(1));
      List<EventEnvelope<OrderEvent>> history = service.orders().history(id);
      if (history.isEmpty()) {
        throw new HttpFailure(404, "unknown_order", "order " + id + " does not exist");
      }
      return history.stream().map(OrdersHttpServer::event).toList();
    }
    if (method.equals("POST") && (m = ORDER_ACTION.matcher(path)).matches()) {
      String id = decode(m.group(1));
      ObjectNode body = readObject(ex);
      OrderCommand command =
          switch (m.group(2)) {
            case "add-line" -> read(body, AddLine.class);
            case "remove-line" -> read(body, RemoveLine.class);
            case "pay" -> read(body, PayOrder.class);
            case "ship" -> read(body, ShipOrder.class);
            case "cancel" -> read(body, CancelOrder.class);
            default -> throw new HttpFailure(404, "unknown_action", "no command " + m.group(2) + " on orders");
          };
      String ifMatch = ex.getRequestHeaders().getFirst("If-Match");
      if (ifMatch != null) {
        long expected = parseVersion(ifMatch);
        long actual = service.orders().load(id).version();
        if (actual != expected) {
          throw new HttpFailure(409, "stale_version", "order " + id + ": expected version " + expected + " but was " + actual);
        }
      }
      return commandResult(service.handle(id, command, options(ex)));
    }
    if (method.equals("GET") && (m = CUSTOMER_STATS.matcher(path)).matches()) {
      return service.customerStats(decode(m.group(1)));
    }
    if (path.startsWith("/admin/")) {
      return service.admin(method, path, query, method.equals("POST") ? readOptionalObject(ex) : null);
    }
    throw new HttpFailure(404, "not_found", "no route for " + method + " " + path);
  }

  private Map<String, Object> stateAsOf(String id, String asOf) {
    Instant instant;
    try {
      instant = Instant.parse(asOf);
    } catch (DateTimeParseException e) {
      throw new HttpFailure(400, "invalid_request", "asOf must be an ISO-8601 instant such as 2026-01-01T00:00:00Z but was " + asOf);
    }
    Loaded<Order> loaded = service.orders().loadAsOf(id, instant);
    if (!loaded.exists()) {
      throw new HttpFailure(404, "unknown_order", "order " + id + " did not exist at " + asOf);
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
    out.put("events", result.events().stream().map(OrdersHttpServer::event).toList());
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

  private CommandOptions options(HttpExchange ex) {
    String key = ex.getRequestHeaders().getFirst("Idempotency-Key");
    CommandOptions options = CommandOptions.defaults();
    String trace = ex.getRequestHeaders().getFirst("traceparent");
    if (trace != null) {
      options = options.withMetadata(options.metadata().withTraceparent(trace));
    }
    return key == null ? options : options.withIdempotencyKey(key);
  }

  private static long parseVersion(String header) {
    try {
      return Long.parseLong(header.replace("\"", "").trim());
    } catch (NumberFormatException e) {
      throw new HttpFailure(400, "invalid_request", "If-Match must be a version number but was " + header);
    }
  }

  private ObjectNode readObject(HttpExchange ex) throws IOException {
    ObjectNode node = readOptionalObject(ex);
    if (node == null) {
      throw new HttpFailure(400, "malformed_json", "the request needs a JSON object body");
    }
    return node;
  }

  private ObjectNode readOptionalObject(HttpExchange ex) throws IOException {
    byte[] bytes;
    try (InputStream in = ex.getRequestBody()) {
      bytes = in.readNBytes(1 << 20);
    }
    if (bytes.length == 0) {
      return null;
    }
    try {
      if (json.readTree(bytes) instanceof ObjectNode node) {
        return node;
      }
      throw new HttpFailure(400, "malformed_json", "the body must be a JSON object");
    } catch (JsonProcessingException e) {
      throw new HttpFailure(400, "malformed_json", "the body is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private <T> T read(ObjectNode body, Class<T> type) {
    try {
      return json.treeToValue(body, type);
    } catch (JsonMappingException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      String message = cause instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : cause.getMessage();
      throw new HttpFailure(400, "invalid_request", type.getSimpleName() + ": " + message);
    } catch (JsonProcessingException e) {
      throw new HttpFailure(400, "malformed_json", e.getOriginalMessage());
    }
  }

  private void send(HttpExchange ex, int status, Object body) throws IOException {
    byte[] bytes = json.writeValueAsBytes(body instanceof ApiError error ? error.body() : body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static Map<String, String> query(HttpExchange ex) {
    Map<String, String> out = new HashMap<>();
    String raw = ex.getRequestURI().getRawQuery();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          out.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
        }
      }
    }
    return out;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
