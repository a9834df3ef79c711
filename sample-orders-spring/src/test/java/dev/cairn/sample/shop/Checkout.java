package dev.cairn.sample.shop;

import dev.cairn.sample.orders.domain.Order;
import dev.cairn.sample.orders.domain.OrderCommand;
import dev.cairn.sample.orders.domain.OrderEvent;
import dev.cairn.sample.orders.domain.OrderLine;
import dev.cairn.sample.orders.domain.PlaceOrder;
import dev.cairn.store.jdbc.JdbcAggregateRepository;
import java.util.List;
import org.springframework.stereotype.Service;

// Part of the README's "Spring Boot" example (in a package the sample app does not scan);
// ReadmeSpringBootTest runs it and compares it with the README.
// readme:start
@Service
class Checkout {
  private final JdbcAggregateRepository<OrderCommand, Order, OrderEvent> orders;

  Checkout(JdbcAggregateRepository<OrderCommand, Order, OrderEvent> orders) {
    this.orders = orders;
  }

  long place(String orderId) {
    return orders.handle(orderId, new PlaceOrder("cust-7", List.of(new OrderLine("book", 2, 1250)))).version();
  }
}
// readme:end
