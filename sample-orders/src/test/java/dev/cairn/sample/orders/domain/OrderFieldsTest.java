package dev.cairn.sample.orders.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.cairn.sample.orders.domain.OrderRuleViolation.Rule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shapes of ids, skus and texts, and the line limit: checked by the decider, at the door. */
class OrderFieldsTest {

  private static final OrderDecider DECIDER = new OrderDecider();
  private static final OrderLine BOOK = new OrderLine("book", 1, 1250);

  private static Order placed(List<OrderLine> lines) {
    return DECIDER.evolve(Order.NONE, DECIDER.decide(new PlaceOrder("ann", lines), Order.NONE).get(0));
  }

  private static OrderRuleViolation rejected(Order state, OrderCommand command, Rule rule) {
    return assertThatExceptionOfType(OrderRuleViolation.class)
        .isThrownBy(() -> DECIDER.decide(command, state))
        .satisfies(v -> assertThat(v.rule()).isEqualTo(rule))
        .actual();
  }

  @ParameterizedTest
  @ValueSource(strings = {"a/b", "100%", "a+b", "a b", "a?b", "a#b", ".", "..", "-a", "é", "a\u0000b"})
  void idsThatAUrlPathWouldMangle_areNotIds(String id) {
    assertThat(OrderFields.isId(id)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "ord-1", "A.b_c~d-e", "0"})
  void urlSafeIds_areIds(String id) {
    assertThat(OrderFields.isId(id)).isTrue();
    assertThat(OrderFields.isId(id.repeat(64).substring(0, 64))).isTrue();
    assertThat(OrderFields.isId("a".repeat(65))).isFalse();
  }

  @Test
  void aSkuOfThreeThousandCharacters_isRejected_namingTheFieldTheValueAndTheRule() {
    OrderRuleViolation v = rejected(Order.NONE, new PlaceOrder("ann", List.of(new OrderLine("x".repeat(3000), 1, 1))), Rule.FIELD_FORMAT);

    assertThat(v.getMessage())
        .startsWith("sku '" + "x".repeat(40) + "'... (3000 characters) breaks FIELD_FORMAT: must be 1 to 64 characters");
  }

  @Test
  void aNulInTheCustomerId_isRejected_andShownEscaped() {
    OrderRuleViolation v = rejected(Order.NONE, new PlaceOrder("an\u0000n", List.of(BOOK)), Rule.FIELD_FORMAT);

    assertThat(v.getMessage()).startsWith("customerId 'an\\u0000n' breaks FIELD_FORMAT");
  }

  @Test
  void addAndRemoveLine_checkTheSku() {
    Order order = placed(List.of(BOOK));

    rejected(order, new AddLine(new OrderLine("pen\u0000", 1, 1)), Rule.FIELD_FORMAT);
    rejected(order, new RemoveLine("a/b"), Rule.FIELD_FORMAT);
  }

  @Test
  void textsWithControlCharactersOrTooLong_areRejected() {
    Order paid = DECIDER.evolve(placed(List.of(BOOK)), new OrderPaid(1250));

    rejected(paid, new ShipOrder("TRK\n1"), Rule.FIELD_FORMAT);
    rejected(paid, new ShipOrder("T".repeat(65)), Rule.FIELD_FORMAT);
    rejected(paid, new CancelOrder("r".repeat(501)), Rule.FIELD_FORMAT);
    rejected(paid, new CancelOrder("broken \uD800 text"), Rule.FIELD_FORMAT);
    assertThat(DECIDER.decide(new CancelOrder("changed my mind \uD83D\uDE42"), paid)).hasSize(1);
  }

  @Test
  void anOrderOfMoreThanFiveHundredLines_isRejectedBeforeAnyMerging() {
    List<OrderLine> lines = new ArrayList<>();
    for (int i = 0; i < 19_000; i++) {
      lines.add(new OrderLine("sku-" + i, 1, 1));
    }

    OrderRuleViolation v = rejected(Order.NONE, new PlaceOrder("ann", lines), Rule.LINE_LIMIT);

    assertThat(v.getMessage()).isEqualTo("PlaceOrder has 19000 lines, above the limit of 500 per order");
  }

  @Test
  void fiveHundredLinesOfRepeatedSkus_mergeIntoOneLinePerSku_inFirstSeenOrder() {
    List<OrderLine> lines = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      lines.add(new OrderLine("sku-" + (i % 250), 1, 10));
    }

    OrderPlaced event = (OrderPlaced) DECIDER.decide(new PlaceOrder("ann", lines), Order.NONE).get(0);

    assertThat(event.lines()).hasSize(250);
    assertThat(event.lines().get(0)).isEqualTo(new OrderLine("sku-0", 2, 10));
    assertThat(event.lines().get(249)).isEqualTo(new OrderLine("sku-249", 2, 10));
    assertThat(event.totalCents()).isEqualTo(5000);
  }

  @Test
  void aFullOrder_takesMoreOfAnExistingSku_butNoNewSku() {
    List<OrderLine> lines = new ArrayList<>();
    for (int i = 0; i < OrderFields.MAX_LINES; i++) {
      lines.add(new OrderLine("sku-" + i, 1, 1));
    }
    Order full = placed(lines);

    assertThat(DECIDER.decide(new AddLine(new OrderLine("sku-7", 1, 1)), full)).hasSize(1);
    OrderRuleViolation v = rejected(full, new AddLine(new OrderLine("sku-new", 1, 1)), Rule.LINE_LIMIT);
    assertThat(v.getMessage()).isEqualTo("sku 'sku-new' would be line 501, above the limit of 500 per order");
  }
}
