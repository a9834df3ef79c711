package dev.cairn.sample.orders.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.sample.orders.domain.OrderRuleViolation.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

// Plain decide/evolve calls: es-testkit's DeciderFixture did not exist when these were written.
class OrderDeciderTest {

  private static final OrderDecider DECIDER = new OrderDecider();

  private static final OrderLine WIDGETS = new OrderLine("WID-1", 2, 250);
  private static final OrderLine GADGET = new OrderLine("GAD-2", 1, 500);

  private static final OrderEvent PLACED =
      new OrderPlaced("customer-7", List.of(WIDGETS, GADGET), 1_000);
  private static final OrderEvent PAID = new OrderPaid(1_000);
  private static final OrderEvent SHIPPED = new OrderShipped("TRACK-123");
  private static final OrderEvent CANCELLED = new OrderCancelled("customer changed their mind");

  /** Folds events from the initial state, as a repository loading the stream would. */
  private static Order given(OrderEvent... events) {
    Order state = DECIDER.initialState();
    for (OrderEvent event : events) {
      state = DECIDER.evolve(state, event);
    }
    return state;
  }

  private static void assertRejected(Order state, OrderCommand command, Rule rule, String message) {
    assertThatExceptionOfType(OrderRuleViolation.class)
        .isThrownBy(() -> DECIDER.decide(command, state))
        .withMessage(message)
        .satisfies(violation -> assertThat(violation.rule()).isEqualTo(rule));
  }

  // --- PlaceOrder ---

  @Test
  void placeOrder_onNewOrder_emitsOrderPlacedWithTheTotal() {
    assertThat(DECIDER.decide(new PlaceOrder("customer-7", List.of(WIDGETS, GADGET)), given()))
        .containsExactly(new OrderPlaced("customer-7", List.of(WIDGETS, GADGET), 1_000));
  }

  @Test
  void placeOrder_withOneFreeLine_hasTotalZero() {
    OrderLine sample = new OrderLine("SAMPLE", 3, 0);

    assertThat(DECIDER.decide(new PlaceOrder("customer-7", List.of(sample)), given()))
        .containsExactly(new OrderPlaced("customer-7", List.of(sample), 0));
  }

  @Test
  void placeOrder_withTheSameSkuTwice_mergesItIntoOneLineAtItsFirstPosition() {
    List<OrderLine> lines = List.of(WIDGETS, GADGET, new OrderLine("WID-1", 3, 250));

    assertThat(DECIDER.decide(new PlaceOrder("customer-7", lines), given()))
        .containsExactly(
            new OrderPlaced(
                "customer-7", List.of(new OrderLine("WID-1", 5, 250), GADGET), 1_750));
  }

  @Test
  void placeOrder_withTheSameSkuAtTwoPrices_isRejected() {
    List<OrderLine> lines = List.of(WIDGETS, new OrderLine("WID-1", 1, 300));

    assertRejected(
        given(),
        new PlaceOrder("customer-7", lines),
        Rule.PRICE_CONFLICT,
        "sku 'WID-1' is on the order at 250 cents each, it cannot be added at 300");
  }

  @Test
  void placeOrder_whoseMergedQuantityExceedsTheLimit_isRejected() {
    List<OrderLine> lines = List.of(new OrderLine("WID-1", 9_999, 1), new OrderLine("WID-1", 2, 1));

    assertRejected(
        given(),
        new PlaceOrder("customer-7", lines),
        Rule.QUANTITY_LIMIT,
        "sku 'WID-1' would reach quantity 10001, above the limit 10000");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "\t"})
  void placeOrder_withBlankCustomer_isRejected(String customerId) {
    assertRejected(
        given(),
        new PlaceOrder(customerId, List.of(WIDGETS)),
        Rule.CUSTOMER_REQUIRED,
        "customerId must not be blank, was '" + customerId + "'");
  }

  @Test
  void placeOrder_withoutLines_isRejected() {
    assertRejected(
        given(),
        new PlaceOrder("customer-7", List.of()),
        Rule.LINE_REQUIRED,
        "an order needs at least one line, PlaceOrder has none");
  }

  @Test
  void placeOrder_whoseTotalOverflowsALong_isRejected() {
    OrderLine expensive = new OrderLine("YACHT", 1, Long.MAX_VALUE);

    assertThatExceptionOfType(OrderRuleViolation.class)
        .isThrownBy(
            () -> DECIDER.decide(new PlaceOrder("customer-7", List.of(expensive, GADGET)), given()))
        .withMessageStartingWith("order total overflows: 0 cents plus lines")
        .satisfies(violation -> assertThat(violation.rule()).isEqualTo(Rule.TOTAL_OVERFLOW));
  }

  static Stream<Arguments> existingOrders() {
    return Stream.of(
        Arguments.of(List.of(PLACED), "PLACED"),
        Arguments.of(List.of(PLACED, PAID), "PAID"),
        Arguments.of(List.of(PLACED, PAID, SHIPPED), "SHIPPED"),
        Arguments.of(List.of(PLACED, CANCELLED), "CANCELLED"));
  }

  @ParameterizedTest
  @MethodSource("existingOrders")
  void placeOrder_onAnExistingOrder_isRejected(List<OrderEvent> history, String status) {
    assertRejected(
        given(history.toArray(OrderEvent[]::new)),
        new PlaceOrder("customer-7", List.of(WIDGETS)),
        Rule.ALREADY_PLACED,
        "order is " + status + ": it was placed already and cannot be placed again");
  }

  // --- AddLine ---

  @Test
  void addLine_withANewSku_emitsLineAdded() {
    OrderLine cable = new OrderLine("CAB-3", 4, 125);

    assertThat(DECIDER.decide(new AddLine(cable), given(PLACED)))
        .containsExactly(new LineAdded(cable));
  }

  @Test
  void addLine_withANewSku_appendsTheLineAndRaisesTheTotal() {
    OrderLine cable = new OrderLine("CAB-3", 4, 125);

    Order order = given(PLACED, new LineAdded(cable));

    assertThat(order.lines()).containsExactly(WIDGETS, GADGET, cable);
    assertThat(order.totalCents()).isEqualTo(1_500);
  }

  @Test
  void addLine_withASkuAlreadyOnTheOrder_mergesTheQuantitiesInPlace() {
    OrderLine more = new OrderLine("WID-1", 3, 250);

    assertThat(DECIDER.decide(new AddLine(more), given(PLACED)))
        .containsExactly(new LineAdded(more));
    Order order = given(PLACED, new LineAdded(more));
    assertThat(order.lines()).containsExactly(new OrderLine("WID-1", 5, 250), GADGET);
    assertThat(order.totalCents()).isEqualTo(1_750);
  }

  @Test
  void addLine_withASkuAlreadyOnTheOrderAtAnotherPrice_isRejected() {
    assertRejected(
        given(PLACED),
        new AddLine(new OrderLine("GAD-2", 1, 450)),
        Rule.PRICE_CONFLICT,
        "sku 'GAD-2' is on the order at 500 cents each, it cannot be added at 450");
  }

  @Test
  void addLine_upToTheQuantityLimit_isAccepted() {
    OrderLine more = new OrderLine("WID-1", 9_998, 250);

    assertThat(DECIDER.decide(new AddLine(more), given(PLACED)))
        .containsExactly(new LineAdded(more));
  }

  @Test
  void addLine_beyondTheQuantityLimit_isRejected() {
    assertRejected(
        given(PLACED),
        new AddLine(new OrderLine("WID-1", 9_999, 250)),
        Rule.QUANTITY_LIMIT,
        "sku 'WID-1' would reach quantity 10001, above the limit 10000");
  }

  @Test
  void addLine_whoseTotalOverflowsALong_isRejected() {
    assertThatExceptionOfType(OrderRuleViolation.class)
        .isThrownBy(
            () ->
                DECIDER.decide(
                    new AddLine(new OrderLine("YACHT", 1, Long.MAX_VALUE)), given(PLACED)))
        .withMessageStartingWith("order total overflows: 1000 cents plus lines")
        .satisfies(violation -> assertThat(violation.rule()).isEqualTo(Rule.TOTAL_OVERFLOW));
  }

  static Stream<Arguments> paidOrders() {
    return Stream.of(
        Arguments.of(List.of(PLACED, PAID), "PAID"),
        Arguments.of(List.of(PLACED, PAID, SHIPPED), "SHIPPED"));
  }

  @ParameterizedTest
  @MethodSource("paidOrders")
  void addLine_afterPayment_isRejected(List<OrderEvent> history, String status) {
    assertRejected(
        given(history.toArray(OrderEvent[]::new)),
        new AddLine(new OrderLine("CAB-3", 1, 125)),
        Rule.LINES_FIXED,
        "order is " + status + ": lines cannot change after payment");
  }

  // --- RemoveLine ---

  @Test
  void removeLine_ofASkuOnTheOrder_emitsLineRemoved() {
    assertThat(DECIDER.decide(new RemoveLine("WID-1"), given(PLACED)))
        .containsExactly(new LineRemoved("WID-1"));
  }

  @Test
  void removeLine_dropsTheWholeLineAndLowersTheTotal() {
    Order order = given(PLACED, new LineRemoved("WID-1"));

    assertThat(order.lines()).containsExactly(GADGET);
    assertThat(order.totalCents()).isEqualTo(500);
  }

  @Test
  void removeLine_ofAnUnknownSku_isRejected() {
    assertRejected(
        given(PLACED),
        new RemoveLine("NOPE-9"),
        Rule.UNKNOWN_SKU,
        "sku 'NOPE-9' is not on the order (skus: [WID-1, GAD-2])");
  }

  @Test
  void removeLine_ofTheLastLine_isRejected() {
    assertRejected(
        given(PLACED, new LineRemoved("WID-1")),
        new RemoveLine("GAD-2"),
        Rule.LINE_REQUIRED,
        "sku 'GAD-2' is the order's last line: an order needs at least one line (cancel it"
            + " instead)");
  }

  @ParameterizedTest
  @MethodSource("paidOrders")
  void removeLine_afterPayment_isRejected(List<OrderEvent> history, String status) {
    assertRejected(
        given(history.toArray(OrderEvent[]::new)),
        new RemoveLine("WID-1"),
        Rule.LINES_FIXED,
        "order is " + status + ": lines cannot change after payment");
  }

  // --- PayOrder ---

  @Test
  void payOrder_withExactlyTheTotal_emitsOrderPaid() {
    assertThat(DECIDER.decide(new PayOrder(1_000), given(PLACED)))
        .containsExactly(new OrderPaid(1_000));
  }

  @Test
  void payOrder_afterLinesChanged_mustMatchTheNewTotal() {
    Order order = given(PLACED, new LineRemoved("GAD-2"));

    assertThat(DECIDER.decide(new PayOrder(500), order)).containsExactly(new OrderPaid(500));
    assertRejected(
        order,
        new PayOrder(1_000),
        Rule.AMOUNT_MISMATCH,
        "amount 1000 does not equal the total 500");
  }

  @ParameterizedTest
  @ValueSource(longs = {999, 1_001, 0, -1_000})
  void payOrder_withAnAmountOtherThanTheTotal_isRejected(long amount) {
    assertRejected(
        given(PLACED),
        new PayOrder(amount),
        Rule.AMOUNT_MISMATCH,
        "amount " + amount + " does not equal the total 1000");
  }

  @ParameterizedTest
  @MethodSource("paidOrders")
  void payOrder_whenPaidAlready_isRejected(List<OrderEvent> history, String status) {
    assertRejected(
        given(history.toArray(OrderEvent[]::new)),
        new PayOrder(1_000),
        Rule.NOT_PAYABLE,
        "order is " + status + ": it cannot be paid twice");
  }

  // --- ShipOrder ---

  @Test
  void shipOrder_whenPaid_emitsOrderShipped() {
    assertThat(DECIDER.decide(new ShipOrder("TRACK-123"), given(PLACED, PAID)))
        .containsExactly(new OrderShipped("TRACK-123"));
  }

  @Test
  void shipOrder_beforePayment_isRejected() {
    assertRejected(
        given(PLACED),
        new ShipOrder("TRACK-123"),
        Rule.NOT_SHIPPABLE,
        "order is PLACED: it ships only once it is paid");
  }

  @Test
  void shipOrder_twice_isRejected() {
    assertRejected(
        given(PLACED, PAID, SHIPPED),
        new ShipOrder("TRACK-123"),
        Rule.NOT_SHIPPABLE,
        "order is SHIPPED: it cannot ship twice");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  "})
  void shipOrder_withBlankTrackingNumber_isRejected(String trackingNumber) {
    assertRejected(
        given(PLACED, PAID),
        new ShipOrder(trackingNumber),
        Rule.TRACKING_NUMBER_REQUIRED,
        "trackingNumber must not be blank, was '" + trackingNumber + "'");
  }

  // --- CancelOrder ---

  static Stream<Arguments> unshippedOrders() {
    return Stream.of(Arguments.of(List.of(PLACED)), Arguments.of(List.of(PLACED, PAID)));
  }

  @ParameterizedTest
  @MethodSource("unshippedOrders")
  void cancelOrder_beforeShipping_emitsOrderCancelled(List<OrderEvent> history) {
    assertThat(
            DECIDER.decide(
                new CancelOrder("out of stock"), given(history.toArray(OrderEvent[]::new))))
        .containsExactly(new OrderCancelled("out of stock"));
  }

  @Test
  void cancelOrder_afterShipping_isRejected() {
    assertRejected(
        given(PLACED, PAID, SHIPPED),
        new CancelOrder("too late"),
        Rule.NOT_CANCELLABLE,
        "order is SHIPPED: it cannot be cancelled after shipping");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " \n "})
  void cancelOrder_withBlankReason_isRejected(String reason) {
    assertRejected(
        given(PLACED),
        new CancelOrder(reason),
        Rule.REASON_REQUIRED,
        "reason must not be blank, was '" + reason + "'");
  }

  // --- Orders that do not exist, and orders that are cancelled ---

  static Stream<OrderCommand> everyCommandButPlaceOrder() {
    return Stream.of(
        new AddLine(WIDGETS),
        new RemoveLine("WID-1"),
        new PayOrder(1_000),
        new ShipOrder("TRACK-123"),
        new CancelOrder("no reason"));
  }

  @ParameterizedTest
  @MethodSource("everyCommandButPlaceOrder")
  void anyCommandButPlaceOrder_onAnUnknownOrder_isRejected(OrderCommand command) {
    assertRejected(
        given(),
        command,
        Rule.UNKNOWN_ORDER,
        "unknown order: no order has been placed, so "
            + command.getClass().getSimpleName()
            + " cannot apply");
  }

  @ParameterizedTest
  @MethodSource("everyCommandButPlaceOrder")
  void anyCommandButPlaceOrder_onACancelledOrder_isRejected(OrderCommand command) {
    assertRejected(
        given(PLACED, PAID, CANCELLED),
        command,
        Rule.ORDER_CANCELLED,
        "order is CANCELLED: it accepts no commands, "
            + command.getClass().getSimpleName()
            + " refused");
  }

  // --- evolve ---

  @Test
  void initialState_isTheEmptyNoneOrder() {
    assertThat(DECIDER.initialState())
        .isSameAs(Order.NONE)
        .isEqualTo(new Order(OrderStatus.NONE, null, List.of(), 0, 0, null, null));
  }

  @Test
  void evolve_foldsAFullLifeIntoAShippedOrder() {
    OrderLine cable = new OrderLine("CAB-3", 4, 125);

    Order order =
        given(
            PLACED,
            new LineAdded(cable),
            new LineAdded(new OrderLine("WID-1", 1, 250)),
            new LineRemoved("GAD-2"),
            new OrderPaid(1_250),
            SHIPPED);

    assertThat(order)
        .isEqualTo(
            new Order(
                OrderStatus.SHIPPED,
                "customer-7",
                List.of(new OrderLine("WID-1", 3, 250), cable),
                1_250,
                1_250,
                "TRACK-123",
                null));
  }

  @Test
  void evolve_ofAPaidOrderCancelled_keepsThePaymentAndRecordsTheReason() {
    assertThat(given(PLACED, PAID, CANCELLED))
        .isEqualTo(
            new Order(
                OrderStatus.CANCELLED,
                "customer-7",
                List.of(WIDGETS, GADGET),
                1_000,
                1_000,
                null,
                "customer changed their mind"));
  }

  @Test
  void evolve_ofEveryDecidedEvent_reachesTheStateTheNextDecisionExpects() {
    // Drives the order through decide alone, so a fold that disagreed with a decision would make
    // a later command fail.
    List<OrderCommand> commands =
        List.of(
            new PlaceOrder("customer-7", List.of(WIDGETS)),
            new AddLine(GADGET),
            new AddLine(new OrderLine("WID-1", 2, 250)),
            new RemoveLine("GAD-2"),
            new PayOrder(1_000),
            new ShipOrder("TRACK-9"));
    List<OrderEvent> history = new ArrayList<>();
    Order state = DECIDER.initialState();
    for (OrderCommand command : commands) {
      for (OrderEvent event : DECIDER.decide(command, state)) {
        history.add(event);
        state = DECIDER.evolve(state, event);
      }
    }

    assertThat(history).hasSize(commands.size());
    assertThat(state.status()).isEqualTo(OrderStatus.SHIPPED);
    assertThat(state.lines()).containsExactly(new OrderLine("WID-1", 4, 250));
    assertThat(state.totalCents()).isEqualTo(1_000).isEqualTo(state.paidCents());
  }

  @Test
  void decide_doesNotChangeTheStateItIsGiven() {
    Order before = given(PLACED);

    DECIDER.decide(new AddLine(new OrderLine("CAB-3", 1, 125)), before);

    assertThat(before).isEqualTo(given(PLACED));
  }

  // --- records ---

  @Test
  void orderState_andEvents_holdImmutableCopiesOfTheirLines() {
    List<OrderLine> lines = new ArrayList<>(List.of(WIDGETS));
    OrderPlaced placed = new OrderPlaced("customer-7", lines, 500);
    Order order = given(placed);
    lines.add(GADGET);

    assertThat(placed.lines()).containsExactly(WIDGETS);
    assertThat(order.lines()).containsExactly(WIDGETS);
    assertThatThrownBy(() -> order.lines().add(GADGET))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void orderLine_lineTotal_isQuantityTimesUnitPrice() {
    assertThat(new OrderLine("WID-1", 3, 199).lineTotal()).isEqualTo(597);
  }

  @Test
  void orderLine_lineTotal_overflowingALong_throwsRatherThanWraps() {
    OrderLine line = new OrderLine("YACHT", 2, Long.MAX_VALUE);

    assertThatExceptionOfType(ArithmeticException.class).isThrownBy(line::lineTotal);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  "})
  void orderLine_withBlankSku_isRefused(String sku) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new OrderLine(sku, 1, 100))
        .withMessage("sku must not be blank, was '" + sku + "'");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 10_001})
  void orderLine_withQuantityOutsideOneToTenThousand_isRefused(int quantity) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new OrderLine("WID-1", quantity, 100))
        .withMessage("quantity must be between 1 and 10000, was " + quantity);
  }

  @Test
  void orderLine_withNegativePrice_isRefused() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new OrderLine("WID-1", 1, -1))
        .withMessage("unitPriceCents must be >= 0, was -1");
  }

  @Test
  void orderLine_atTheLimits_isAccepted() {
    assertThat(new OrderLine("X", 10_000, 0).quantity()).isEqualTo(10_000);
    assertThat(new OrderLine("X", 1, 0).unitPriceCents()).isZero();
  }

  @Test
  void commands_withMissingParts_areRefusedByName() {
    assertThatThrownBy(() -> new PlaceOrder(null, List.of(WIDGETS)))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("customerId");
    assertThatThrownBy(() -> new OrderLine(null, 1, 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("sku");
    assertThatThrownBy(() -> new ShipOrder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("trackingNumber");
  }
}
