package dev.cairn.sample.orders.spring;

import dev.cairn.projections.Projection;
import dev.cairn.sample.orders.OrderSummaryProjection;
import dev.cairn.sample.orders.domain.Order;
import dev.cairn.sample.orders.domain.OrderCommand;
import dev.cairn.sample.orders.domain.OrderDecider;
import dev.cairn.sample.orders.domain.OrderEvent;
import dev.cairn.spring.CairnAggregate;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The order service on Spring Boot. Everything Cairn needs is declared here: the order aggregate
 * (its repository bean, {@code ordersRepository}, comes from the starter) and the {@code
 * order_summary} read model (the starter installs it and runs it, fed from Kafka as {@code
 * application.properties} says). {@link EmbeddedServers} starts PostgreSQL and Kafka unless
 * {@code CAIRN_PG_URL} / {@code CAIRN_KAFKA_BOOTSTRAP} (or {@code spring.datasource.url} / {@code
 * spring.kafka.bootstrap-servers}) name real ones.
 */
@SpringBootApplication
public class OrdersSpringApp {

  /** Created by Spring. */
  public OrdersSpringApp() {}

  /**
   * Starts the service.
   *
   * @param args Spring Boot's arguments, e.g. {@code --server.port=9090}
   */
  public static void main(String[] args) {
    SpringApplication.run(OrdersSpringApp.class, args);
  }

  /**
   * The order aggregate.
   *
   * @return its declaration
   */
  @Bean
  public CairnAggregate<OrderCommand, Order, OrderEvent> orders() {
    return CairnAggregate.of("order", new OrderDecider(), OrderEvent.class, Order.class);
  }

  /**
   * The read model of orders, the same as the plain sample's.
   *
   * @return the projection
   */
  @Bean
  public Projection orderSummary() {
    return OrderSummaryProjection.version(1);
  }
}
