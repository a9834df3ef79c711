package dev.cairn.sample.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.spring.CairnAutoConfiguration;
import dev.cairn.testkit.PostgresExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Runs the README's Spring Boot example, and fails if the README's copy differs from ShopConfig's and Checkout's. */
class ReadmeSpringBootTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();

  @Test
  void readmeSpringBootExample_runsAndIsTheCodeInReadmeShop() throws IOException {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, CairnAutoConfiguration.class))
        .withPropertyValues("spring.datasource.url=" + pg.jdbcUrl())
        .withUserConfiguration(ShopConfig.class, Checkout.class)
        .run(context -> {
          assertThat(context).hasNotFailed().hasBean("ordersRepository");
          assertThat(context.getBean(Checkout.class).place("ord-readme")).isEqualTo(1);
          // The starter runs the projection bean from the store (the default source).
          await().atMost(Duration.ofSeconds(60)).until(() -> pg.jdbi().withHandle(h ->
              h.createQuery("SELECT count(*) FROM order_summary WHERE order_id = 'ord-readme'").mapTo(Long.class).one()) == 1L);
        });
    assertThat(normalized(block(readme(), "<!-- example: ReadmeSpringBootTest -->", "```java\n", "```")))
        .isEqualTo(normalized(source("ShopConfig.java") + "\n" + source("Checkout.java")));
  }

  private static String source(String file) throws IOException {
    return block(
        Files.readString(root().resolve("sample-orders-spring/src/test/java/dev/cairn/sample/shop/" + file)),
        "// readme:start", "\n", "// readme:end");
  }

  private static String readme() throws IOException {
    return Files.readString(root().resolve("README.md"));
  }

  private static String block(String text, String marker, String open, String close) {
    int at = text.indexOf(marker);
    assertThat(at).as(marker).isNotNegative();
    int start = text.indexOf(open, at) + open.length();
    return text.substring(start, text.indexOf(close, start));
  }

  private static String normalized(String code) {
    return code.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
  }

  private static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    return Files.exists(dir.resolve("README.md")) && Files.exists(dir.resolve("sample-orders-spring")) ? dir : dir.getParent();
  }
}
