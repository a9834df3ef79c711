package dev.cairn.sample.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.api.CommandOptions;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.sample.orders.domain.Order;
import dev.cairn.sample.orders.domain.OrderDecider;
import dev.cairn.sample.orders.domain.OrderEvent;
import dev.cairn.sample.orders.domain.OrderLine;
import dev.cairn.sample.orders.domain.OrderStatus;
import dev.cairn.sample.orders.domain.PayOrder;
import dev.cairn.sample.orders.domain.PlaceOrder;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Runs the README's example, and fails if the README's copy of it differs from this one. */
class ReadmeExampleTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();

  @Test
  void readmeExample_runsAndIsTheCodeInThisTest() throws IOException {
    Order order = example(pg.dataSource());

    assertThat(order.status()).isEqualTo(OrderStatus.PAID);
    assertThat(order.totalCents()).isEqualTo(2500);
    assertThat(normalized(readmeBlock())).isEqualTo(normalized(sourceBlock()));
  }

  private static Order example(DataSource dataSource) {
    // readme:start
    JdbcEventStore store = JdbcEventStore.builder(dataSource).build();
    store.migrate();
    var orders = store.repository("order", new OrderDecider())
        .serializer(JacksonEventSerializer.create(
            EventTypeRegistry.builder().registerSealed(OrderEvent.class).build()))
        .snapshots(Order.class, 1)
        .build();

    orders.handle("ord-1", new PlaceOrder("cust-7", List.of(new OrderLine("book", 2, 1250))));
    orders.handle("ord-1", new PayOrder(2500), CommandOptions.idempotencyKey("pay-ord-1"));
    Order order = orders.load("ord-1").state(); // PAID, total 2500
    // readme:end
    return order;
  }

  private static String readmeBlock() throws IOException {
    String readme = Files.readString(root().resolve("README.md"));
    int marker = readme.indexOf("<!-- example: ReadmeExampleTest -->");
    assertThat(marker).as("README marker").isNotNegative();
    int start = readme.indexOf("```java\n", marker) + "```java\n".length();
    return readme.substring(start, readme.indexOf("```", start));
  }

  private static String sourceBlock() throws IOException {
    String source =
        Files.readString(
            root().resolve("sample-orders/src/test/java/dev/cairn/sample/orders/ReadmeExampleTest.java"));
    int start = source.indexOf("// readme:start\n") + "// readme:start\n".length();
    return source.substring(start, source.indexOf("    // readme:end"));
  }

  private static String normalized(String code) {
    return code.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
  }

  private static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    return Files.exists(dir.resolve("README.md")) && Files.exists(dir.resolve("sample-orders")) ? dir : dir.getParent();
  }
}
