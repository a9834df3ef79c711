package dev.cairn.sample.orders.spring;

import dev.cairn.api.CommandOptions;
import dev.cairn.api.CommandResult;
import dev.cairn.api.EventEnvelope;
import dev.cairn.sample.orders.OrderSummaryProjection;
import dev.cairn.sample.orders.domain.AddLine;
import dev.cairn.sample.orders.domain.CancelOrder;
import dev.cairn.sample.orders.domain.Order;
import dev.cairn.sample.orders.domain.OrderCommand;
import dev.cairn.sample.orders.domain.OrderEvent;
import dev.cairn.sample.orders.domain.OrderFields;
import dev.cairn.sample.orders.domain.PayOrder;
import dev.cairn.sample.orders.domain.PlaceOrder;
import dev.cairn.sample.orders.domain.RemoveLine;
import dev.cairn.sample.orders.domain.ShipOrder;
import dev.cairn.store.jdbc.JdbcAggregateRepository;
import dev.cairn.store.jdbc.JdbcEventStore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Orders over HTTP: each command is a POST whose answer carries the order's new version as its
 * {@code ETag}; {@code Idempotency-Key} makes a retried command run once, {@code If-Match} refuses
 * a command on a version the client has not seen (412). Reads come from the {@code order_summary}
 * read model. Errors are RFC 9457 problem details ({@link ProblemDetails}).
 */
@RestController
@RequestMapping("/orders")
public class OrdersController {

  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,200}");

  private final JdbcAggregateRepository<OrderCommand, Order, OrderEvent> orders;
  private final JdbcClient jdbc;
  private final String summaryView;

  /**
   * Creates the controller.
   *
   * @param orders the order repository, provided by the starter for the {@code orders} declaration
   * @param jdbc reads the read model
   * @param store names the read model's schema
   */
  public OrdersController(
      JdbcAggregateRepository<OrderCommand, Order, OrderEvent> orders, JdbcClient jdbc, JdbcEventStore store) {
    this.orders = orders;
    this.jdbc = jdbc;
    this.summaryView = store.schema() + "." + OrderSummaryProjection.NAME;
  }

  /** A row of the read model. */
  record OrderSummary(
      String orderId, String customerId, String status, long totalCents, int lineCount, long version,
      OffsetDateTime placedAt, OffsetDateTime updatedAt) {}

  /** What a command answers. */
  record Accepted(String orderId, long version, boolean duplicate, List<String> events) {}

  /**
   * Places an order under a new id (derived from the {@code Idempotency-Key} when there is one, so
   * that a retry answers the first result with {@code duplicate: true}).
   *
   * @param command the order
   * @param idempotencyKey makes a retry return the first answer
   * @return 201 with the order's location
   */
  @PostMapping
  public ResponseEntity<Accepted> place(
      @RequestBody PlaceOrder command, @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String idempotencyKey) {
    // A retry with the same key must reach the same order, so the key names it.
    UUID uuid = idempotencyKey == null
        ? UUID.randomUUID()
        : UUID.nameUUIDFromBytes(idempotencyKey.getBytes(StandardCharsets.UTF_8));
    String id = "ord-" + uuid.toString().substring(0, 13);
    CommandResult<OrderEvent> result = orders.handle(id, command, options(idempotencyKey));
    return ResponseEntity.created(URI.create("/orders/" + result.streamId()))
        .eTag(etag(result.version()))
        .body(accepted(result));
  }

  /**
   * Reads an order from the read model.
   *
   * @param id the order
   * @return the order with its version as ETag, or 404 while it is not (yet) in the read model
   */
  @GetMapping("/{id}")
  public ResponseEntity<OrderSummary> order(@PathVariable String id) {
    OrderFields.checkOrderId(id);
    return jdbc.sql("SELECT order_id, customer_id, status, total_cents, line_count, version, placed_at, updated_at FROM "
            + summaryView + " WHERE order_id = :id")
        .param("id", id)
        .query(OrderSummary.class)
        .optional()
        .map(o -> ResponseEntity.ok().eTag(etag(o.version())).body(o))
        .orElseThrow(() -> new OrderNotFound(id));
  }

  /**
   * Adds a line.
   *
   * @param id the order
   * @param command the line
   * @param ifMatch the version the client saw, if it cares
   * @param idempotencyKey makes a retry return the first answer
   * @return the new version
   */
  @PostMapping("/{id}/lines")
  public ResponseEntity<Accepted> addLine(
      @PathVariable String id, @RequestBody AddLine command,
      @RequestHeader(name = "If-Match", required = false) @Nullable String ifMatch,
      @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String idempotencyKey) {
    return handle(id, command, ifMatch, idempotencyKey);
  }

  /**
   * Removes a line.
   *
   * @param id the order
   * @param command the sku
   * @param ifMatch the version the client saw, if it cares
   * @param idempotencyKey makes a retry return the first answer
   * @return the new version
   */
  @PostMapping("/{id}/remove-line")
  public ResponseEntity<Accepted> removeLine(
      @PathVariable String id, @RequestBody RemoveLine command,
      @RequestHeader(name = "If-Match", required = false) @Nullable String ifMatch,
      @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String idempotencyKey) {
    return handle(id, command, ifMatch, idempotencyKey);
  }

  /**
   * Pays an order.
   *
   * @param id the order
   * @param command the amount
   * @param ifMatch the version the client saw, if it cares
   * @param idempotencyKey makes a retry return the first answer
   * @return the new version
   */
  @PostMapping("/{id}/pay")
  public ResponseEntity<Accepted> pay(
      @PathVariable String id, @RequestBody PayOrder command,
      @RequestHeader(name = "If-Match", required = false) @Nullable String ifMatch,
      @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String idempotencyKey) {
    return handle(id, command, ifMatch, idempotencyKey);
  }

  /**
   * Ships an order.
   *
   * @param id the order
   * @param command the tracking number
   * @param ifMatch the version the client saw, if it cares
   * @param idempotencyKey makes a retry return the first answer
   * @return the new version
   */
  @PostMapping("/{id}/ship")
  public ResponseEntity<Accepted> ship(
      @PathVariable String id, @RequestBody ShipOrder command,
      @RequestHeader(name = "If-Match", required = false) @Nullable String ifMatch,
      @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String idempotencyKey) {
    return handle(id, command, ifMatch, idempotencyKey);
  }

  /**
   * Cancels an order.
   *
   * @param id the order
   * @param command the reason
   * @param ifMatch the version the client saw, if it cares
   * @param idempotencyKey makes a retry return the first answer
   * @return the new version
   */
  @PostMapping("/{id}/cancel")
  public ResponseEntity<Accepted> cancel(
      @PathVariable String id, @RequestBody CancelOrder command,
      @RequestHeader(name = "If-Match", required = false) @Nullable String ifMatch,
      @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String idempotencyKey) {
    return handle(id, command, ifMatch, idempotencyKey);
  }

  private ResponseEntity<Accepted> handle(
      String id, OrderCommand command, @Nullable String ifMatch, @Nullable String idempotencyKey) {
    OrderFields.checkOrderId(id);
    if (ifMatch != null) {
      long expected = version(ifMatch);
      long actual = orders.load(id).version();
      if (actual != expected) {
        throw new VersionMismatch(id, expected, actual);
      }
    }
    CommandResult<OrderEvent> result = orders.handle(id, command, options(idempotencyKey));
    return ResponseEntity.status(HttpStatus.OK).eTag(etag(result.version())).body(accepted(result));
  }

  private static CommandOptions options(@Nullable String idempotencyKey) {
    if (idempotencyKey == null) {
      return CommandOptions.defaults();
    }
    if (!IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
      throw new IllegalArgumentException(
          "Idempotency-Key must be 1 to 200 visible ASCII characters, was " + idempotencyKey.length() + " characters");
    }
    return CommandOptions.idempotencyKey(idempotencyKey);
  }

  private static long version(String ifMatch) {
    try {
      return Long.parseLong(ifMatch.replace("W/", "").replace("\"", "").strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("If-Match must be an order version such as \"3\" but was " + ifMatch, e);
    }
  }

  private static String etag(long version) {
    return "\"" + version + "\"";
  }

  private static Accepted accepted(CommandResult<OrderEvent> result) {
    return new Accepted(
        result.streamId(), result.version(), result.duplicate(),
        result.events().stream().map(EventEnvelope::eventType).toList());
  }

  /** No such order in the read model. */
  static final class OrderNotFound extends RuntimeException {
    private static final long serialVersionUID = 1L;

    OrderNotFound(String id) {
      super("order " + id + " does not exist (or is not in the read model yet)");
    }
  }

  /** If-Match named another version than the order's. */
  static final class VersionMismatch extends RuntimeException {
    private static final long serialVersionUID = 1L;

    VersionMismatch(String id, long expected, long actual) {
      super("order " + id + ": If-Match expected version " + expected + " but it is at version " + actual);
    }
  }
}
