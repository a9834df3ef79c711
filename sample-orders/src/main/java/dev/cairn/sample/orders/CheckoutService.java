package dev.cairn.sample.orders;

import dev.cairn.api.CommandOptions;
import dev.cairn.api.CommandResult;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.api.Loaded;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.sample.orders.checkout.CheckoutProcess;
import dev.cairn.sample.orders.checkout.CheckoutState;
import dev.cairn.sample.orders.checkout.InventoryCommand;
import dev.cairn.sample.orders.checkout.InventoryDecider;
import dev.cairn.sample.orders.checkout.InventoryEvent;
import dev.cairn.sample.orders.checkout.Payment;
import dev.cairn.sample.orders.checkout.PaymentCommand;
import dev.cairn.sample.orders.checkout.PaymentDecider;
import dev.cairn.sample.orders.checkout.PaymentEvent;
import dev.cairn.sample.orders.checkout.PaymentGateway;
import dev.cairn.sample.orders.checkout.Stock;
import dev.cairn.sample.orders.domain.Order;
import dev.cairn.sample.orders.domain.OrderCommand;
import dev.cairn.sample.orders.domain.OrderDecider;
import dev.cairn.sample.orders.domain.OrderEvent;
import dev.cairn.sample.orders.domain.StartCheckout;
import dev.cairn.store.jdbc.JdbcAggregateRepository;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.workflows.DeadlineView;
import dev.cairn.workflows.HistoryEntry;
import dev.cairn.workflows.ProcessRecord;
import dev.cairn.workflows.Workflow;
import dev.cairn.workflows.WorkflowStatus;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The checkout of the sample: the inventory and payment aggregates, the payment provider's fault
 * switch and the {@code checkout} workflow, which runs on a store-fed runner and fires its
 * deadlines in this process. It keeps its own serializer and repositories (the order repository's
 * cache refreshes from the store, so it agrees with the order service's).
 */
final class CheckoutService implements AutoCloseable {

  /** The system property (or, upper-cased with underscores, the environment variable) of the payment timeout. */
  static final String TIMEOUT_PROPERTY = "cairn.sample.checkout.payment-timeout";

  static final String WORKFLOW = "checkout";

  private final JdbcEventStore store;
  private final JacksonEventSerializer serializer;
  private final JdbcAggregateRepository<OrderCommand, Order, OrderEvent> orders;
  private final JdbcAggregateRepository<InventoryCommand, Stock, InventoryEvent> inventory;
  private final JdbcAggregateRepository<PaymentCommand, Payment, PaymentEvent> payments;
  private final PaymentGateway gateway;
  private final ProjectionManager projections;
  private final Workflow<CheckoutState> workflow;
  private final Duration paymentTimeout;

  CheckoutService(JdbcEventStore store, Duration paymentTimeout) {
    this.store = store;
    this.paymentTimeout = paymentTimeout;
    this.serializer =
        JacksonEventSerializer.create(
            ProcessRecord.register(
                    EventTypeRegistry.builder()
                        .registerSealed(OrderEvent.class)
                        .registerSealed(InventoryEvent.class)
                        .registerSealed(PaymentEvent.class))
                .build());
    this.orders = store.repository(CheckoutProcess.ORDER, new OrderDecider()).serializer(serializer).build();
    this.inventory = store.repository(CheckoutProcess.INVENTORY, new InventoryDecider()).serializer(serializer).build();
    this.payments = store.repository(CheckoutProcess.PAYMENT, new PaymentDecider()).serializer(serializer).build();
    this.gateway = new PaymentGateway(payments);
    this.projections = ProjectionManager.create(store, serializer);
    this.workflow =
        Workflow.builder(WORKFLOW, new CheckoutProcess(paymentTimeout), CheckoutState.class)
            .store(store)
            .projections(projections)
            .serializer(serializer)
            .follow(OrderEvent.class, InventoryEvent.class, PaymentEvent.class)
            .target(CheckoutProcess.ORDER, orders)
            .target(CheckoutProcess.INVENTORY, inventory)
            .target(CheckoutProcess.PAYMENT, gateway)
            .runner(r -> r.batchSize(200).listenForNotifications(true))
            .build();
  }

  /** The payment timeout from {@value #TIMEOUT_PROPERTY} or CHECKOUT_PAYMENT_TIMEOUT (ISO-8601 or seconds), 30 s by default. */
  static Duration configuredTimeout() {
    String value = System.getProperty(TIMEOUT_PROPERTY, System.getenv("CHECKOUT_PAYMENT_TIMEOUT"));
    if (value == null || value.isBlank()) {
      return Duration.ofSeconds(30);
    }
    try {
      return value.chars().allMatch(Character::isDigit) ? Duration.ofSeconds(Long.parseLong(value)) : Duration.parse(value);
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new IllegalArgumentException(
          "payment timeout must be seconds or an ISO-8601 duration (PT30S) but was '" + value + "'", e);
    }
  }

  /** Migrates the checkout's tables and starts its runner and deadline scheduler. */
  void start() {
    projections.migrate();
    workflow.migrate();
    workflow.start();
  }

  CommandResult<InventoryEvent> addStock(String sku, int quantity, CommandOptions options) {
    return inventory.handle(sku, new InventoryCommand.AddStock(quantity), options);
  }

  Map<String, Object> stock(String sku) {
    Loaded<Stock> loaded = inventory.load(sku);
    Stock s = loaded.state();
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("sku", sku);
    view.put("onHand", s.onHand());
    view.put("reserved", s.reservedTotal());
    view.put("available", s.available());
    view.put("committed", s.committed());
    view.put("reservations", s.reserved());
    view.put("version", loaded.version());
    return view;
  }

  /** The skus with stock streams, at most 1000, by name. */
  List<String> skus() {
    return store.jdbi()
        .withHandle(
            h -> h.createQuery(
                    "SELECT stream_id FROM " + store.tables().qualified("streams")
                        + " WHERE stream_type = :t ORDER BY stream_id LIMIT 1000")
                .bind("t", CheckoutProcess.INVENTORY)
                .mapTo(String.class)
                .list());
  }

  CommandResult<OrderEvent> startCheckout(String orderId, CommandOptions options) {
    return orders.handle(orderId, new StartCheckout(), options);
  }

  /** A checkout's state, history and deadlines, or empty if the order has none. */
  Optional<Map<String, Object>> checkout(String orderId) {
    Optional<CheckoutState> state = workflow.state(orderId);
    if (state.isEmpty()) {
      return Optional.empty();
    }
    CheckoutState s = state.get();
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("orderId", orderId);
    view.put("phase", s.phase().name());
    view.put("reason", s.reason());
    view.put("totalCents", s.totalCents());
    view.put("lines", s.lines());
    view.put("reserved", s.reserved());
    view.put("refused", s.refused());
    List<HistoryEntry> history = workflow.history(orderId);
    view.put("steps", history.size());
    view.put("history", history);
    List<DeadlineView> deadlines = workflow.deadlines(orderId);
    view.put("deadlines", deadlines);
    view.put("payment", payments.load(CheckoutProcess.paymentStream(orderId)).state().status());
    return Optional.of(view);
  }

  Map<String, Object> faults(PaymentGateway.Faults faults) {
    gateway.faults(faults);
    return Map.of("mode", faults.mode().name(), "delayMs", faults.delay().toMillis());
  }

  PaymentGateway gateway() {
    return gateway;
  }

  JacksonEventSerializer serializer() {
    return serializer;
  }

  JdbcAggregateRepository<OrderCommand, Order, OrderEvent> orders() {
    return orders;
  }

  JdbcAggregateRepository<InventoryCommand, Stock, InventoryEvent> inventory() {
    return inventory;
  }

  JdbcAggregateRepository<PaymentCommand, Payment, PaymentEvent> payments() {
    return payments;
  }

  WorkflowStatus status() {
    return workflow.status();
  }

  Workflow<CheckoutState> workflow() {
    return workflow;
  }

  Duration paymentTimeout() {
    return paymentTimeout;
  }

  @Override
  public void close() {
    workflow.close();
    gateway.close();
    inventory.close();
    payments.close();
    orders.close();
  }
}
