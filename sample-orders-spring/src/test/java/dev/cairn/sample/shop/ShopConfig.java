package dev.cairn.sample.shop;

import dev.cairn.projections.Projection;
import dev.cairn.sample.orders.OrderSummaryProjection;
import dev.cairn.sample.orders.domain.Order;
import dev.cairn.sample.orders.domain.OrderCommand;
import dev.cairn.sample.orders.domain.OrderDecider;
import dev.cairn.sample.orders.domain.OrderEvent;
import dev.cairn.spring.CairnAggregate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

// Part of the README's "Spring Boot" example (in a package the sample app does not scan);
// ReadmeSpringBootTest runs it and compares it with the README.
// readme:start
@Configuration(proxyBeanMethods = false)
class ShopConfig {
  @Bean  // the starter adds the bean "ordersRepository"
  CairnAggregate<OrderCommand, Order, OrderEvent> orders() {
    return CairnAggregate.of("order", new OrderDecider(), OrderEvent.class, Order.class);
  }

  @Bean  // installed and run by the starter
  Projection orderSummary() {
    return OrderSummaryProjection.version(1);
  }
}
// readme:end
