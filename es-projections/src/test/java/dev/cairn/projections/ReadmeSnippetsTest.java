package dev.cairn.projections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.EventSerializer;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.projections.Bank.Deposited;
import dev.cairn.projections.Bank.Opened;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs the README's relay and projection snippets together (store → relay → Kafka → runner →
 * table) and fails if the README's copies drift from the code here.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReadmeSnippetsTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  @Test
  void readmeRelayAndProjectionSnippets_runEndToEnd() throws IOException {
    JdbcEventStore store = Bank.store(pg.dataSource());
    EventSerializer serializer = Bank.SERIALIZER;
    String bootstrapServers = kafka.bootstrapServers();
    Map<String, Object> consumerConfig = new HashMap<>();
    consumerConfig.put("bootstrap.servers", bootstrapServers);
    consumerConfig.put("group.id", kafka.name("readme"));
    consumerConfig.put("auto.offset.reset", "earliest");
    Bank.Ledger ledger = new Bank.Ledger(store);
    ledger.append("acc-1", new Opened("ann"), new Deposited(30), new Deposited(12));

    // readme:relay:start
    KafkaRelay relay = KafkaRelay.builder(store)
        .kafkaSettings(Map.of("bootstrap.servers", bootstrapServers))  // raw Kafka settings pass through
        .partitions(8)
        .build()
        .start();
    // readme:relay:end
    // readme:projection:start
    Projection balances = Projections.builder("balances", 1)
        .table("CREATE TABLE {table} (account text PRIMARY KEY, balance bigint NOT NULL)")
        .on(Deposited.class, (e, h, m) -> h.createUpdate("INSERT INTO " + m.table() + " VALUES (:a, :n)"
                + " ON CONFLICT (account) DO UPDATE SET balance = " + m.table() + ".balance + :n")
            .bind("a", e.streamId()).bind("n", e.event().amount()).execute())
        .build();
    ProjectionManager projections = ProjectionManager.create(store, serializer);
    projections.migrate();
    projections.install(balances);  // tables balances_v1, readers query the view balances
    KafkaProjectionRunner runner = projections.kafkaRunner(balances, consumerConfig, List.of("account")).build();
    runner.start();  // in order per key, exactly once; runner.stop() or close() ends it
    // readme:projection:end

    try (relay; runner) {
      String view = projections.readModel(balances.spec()).view();
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () ->
                  store.jdbi().withHandle(
                      h -> h.createQuery("SELECT coalesce(max(balance), 0) FROM " + view).mapTo(Long.class).one()),
              balance -> balance == 42);
    }
    assertThat(normalized(readme("relay"))).isEqualTo(normalized(source("relay")));
    assertThat(normalized(readme("projection"))).isEqualTo(normalized(source("projection")));
  }

  private static String readme(String name) throws IOException {
    String readme = Files.readString(root().resolve("README.md"));
    int marker = readme.indexOf("<!-- example: ReadmeSnippetsTest " + name + " -->");
    assertThat(marker).as("README marker for " + name).isNotNegative();
    int start = readme.indexOf("```java\n", marker) + "```java\n".length();
    return readme.substring(start, readme.indexOf("```", start));
  }

  private static String source(String name) throws IOException {
    String source =
        Files.readString(root().resolve("es-projections/src/test/java/dev/cairn/projections/ReadmeSnippetsTest.java"));
    String open = "// readme:" + name + ":start\n";
    int start = source.indexOf(open) + open.length();
    return source.substring(start, source.indexOf("    // readme:" + name + ":end"));
  }

  private static String normalized(String code) {
    return code.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
  }

  private static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    return Files.exists(dir.resolve("README.md")) && Files.exists(dir.resolve("es-projections")) ? dir : dir.getParent();
  }
}
