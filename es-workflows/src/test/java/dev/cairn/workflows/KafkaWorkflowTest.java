package dev.cairn.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.projections.KafkaProjectionRunner;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresExtension;
import dev.cairn.workflows.Fulfil.Add;
import dev.cairn.workflows.Fulfil.Completed;
import dev.cairn.workflows.Fulfil.Open;
import dev.cairn.workflows.Fulfil.Opened;
import dev.cairn.workflows.Fulfil.Progress;
import dev.cairn.workflows.Fulfil.Rejected;
import dev.cairn.workflows.Fulfil.Released;
import dev.cairn.workflows.Fulfil.Reserve;
import dev.cairn.workflows.Fulfil.Reserved;
import dev.cairn.workflows.Fulfil.World;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The workflow fed from Kafka: the relay publishes the store (one topic per stream type), and the
 * process projection runs on Kafka runners that consume the followed aggregates' topics and the
 * workflow's own process-stream topic; the deadline scheduler runs beside them.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KafkaWorkflowTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  static final Duration WAIT = Duration.ofSeconds(90);
  static final AtomicInteger NAMES = new AtomicInteger();
  static final int PARTITIONS = 4;

  /** Short deadlines for the skus whose stock service swallows commands; long ones otherwise. */
  static final Function<String, Duration> TIMEOUTS =
      sku -> sku.equals("plum") || sku.equals("slow") ? Duration.ofMillis(500) : Duration.ofMinutes(5);

  World world;
  KafkaRelay relay;
  List<String> topics;
  String group;
  int n;

  @BeforeEach
  void setUp() {
    n = NAMES.incrementAndGet();
    world = new World(pg.dataSource());
    String prefix = kafka.name("wf" + n + ".");
    group = "fulfil-" + n;
    relay =
        KafkaRelay.builder(world.store)
            .kafkaSettings(Map.of("bootstrap.servers", kafka.bootstrapServers()))
            .topicPrefix(prefix)
            .transactionalId(kafka.name("relay-" + n))
            .partitions(PARTITIONS)
            .batchSize(100)
            .meterRegistry(new SimpleMeterRegistry())
            .build();
    // The followed aggregates' topics and the workflow's own process-stream topic ("fulfil").
    topics = List.of(prefix + "request", prefix + "stock", prefix + "fulfil");
    topics.forEach(relay::ensureTopic);
    relay.start();
  }

  @AfterEach
  void tearDown() {
    if (relay != null) {
      relay.close();
    }
  }

  private KafkaProjectionRunner kafkaRunner(Workflow<Progress> wf, String instance) {
    return world.projections
        .kafkaRunner(wf.projection(), kafka.consumerConfig(group), topics)
        .maxBatchRecords(50)
        .instanceId(kafka.name(instance + "-" + n))
        .build();
  }

  /** The three paths: completed, refused and compensated, expired and its late success released. */
  private static Map<String, Object> scenario(World world, Workflow<Progress> wf) {
    world.stock.handle("apple", new Add(5));
    world.stock.handle("pear", new Add(1));
    world.stock.handle("plum", new Add(4));
    world.stockGate.swallow = "plum"::equals;
    world.requests.handle("r1", new Open("apple", 2));
    world.requests.handle("r2", new Open("pear", 3));
    world.requests.handle("r3", new Open("plum", 1));
    await().atMost(WAIT).until(() -> List.of("r1", "r2", "r3").stream().allMatch(id -> world.events(id).size() == 2));
    // The reservation the slow service made after all comes in late: the process releases it.
    world.stock.handle("plum", new Reserve("r3", 1));
    world.stockGate.swallow = id -> false;
    await().atMost(WAIT).until(() -> world.events("plum").size() == 3);
    await().atMost(WAIT).until(() -> wf.history("r3").size() == 3 && wf.history("r2").size() == 2 && wf.history("r1").size() == 2);

    Map<String, Object> outcome = new LinkedHashMap<>();
    for (String stream : List.of("r1", "r2", "r3", "apple", "pear", "plum")) {
      outcome.put(stream, world.events(stream));
    }
    for (String id : List.of("r1", "r2", "r3")) {
      outcome.put("inputs " + id, wf.history(id).stream().map(HistoryEntry::input).toList());
      outcome.put("process stream " + id, world.events(wf.streamId(id)).size());
      outcome.put("deadlines " + id, wf.deadlines(id).stream().map(DeadlineView::status).toList());
      outcome.put("state " + id, wf.state(id).map(Progress::phase).orElseThrow());
    }
    return outcome;
  }

  @Test
  void kafkaFed_happyPath_refusalWithCompensation_andDeadline_giveTheStoreFedOutcome_eachActionOnce() {
    Map<String, Object> viaKafka;
    try (Workflow<Progress> wf = world.workflow(TIMEOUTS).build();
        KafkaProjectionRunner runner = kafkaRunner(wf, "a")) {
      wf.migrate();
      runner.start();
      wf.startDeadlines();
      viaKafka = scenario(world, wf);
    }

    assertThat(viaKafka.get("r1")).isEqualTo(List.of(new Opened("apple", 2), new Completed()));
    assertThat(viaKafka.get("apple")).isEqualTo(List.of(new Fulfil.Added(5), new Reserved("r1", 2)));
    assertThat(viaKafka.get("inputs r1")).isEqualTo(List.of("Opened", "Reserved"));
    assertThat(viaKafka.get("deadlines r1")).isEqualTo(List.of("cancelled"));
    assertThat(((List<?>) viaKafka.get("r2")).get(1)).isInstanceOf(Rejected.class);
    assertThat(viaKafka.get("pear")).isEqualTo(List.of(new Fulfil.Added(1)));
    assertThat(viaKafka.get("inputs r2")).isEqualTo(List.of("Opened", "refused:Reserve"));
    assertThat(viaKafka.get("r3")).isEqualTo(List.of(new Opened("plum", 1), new Rejected("expired")));
    assertThat(viaKafka.get("plum"))
        .isEqualTo(List.of(new Fulfil.Added(4), new Reserved("r3", 1), new Released("r3", 1)));
    assertThat(viaKafka.get("inputs r3")).isEqualTo(List.of("Opened", "deadline:expire", "Reserved"));
    assertThat(viaKafka.get("deadlines r3")).isEqualTo(List.of("handled"));

    // The same scenario on the store-fed runner, in a world of its own, gives the same outcome.
    World storeWorld = new World(pg.dataSource());
    Map<String, Object> viaStore;
    try (Workflow<Progress> wf = storeWorld.workflow(TIMEOUTS).build()) {
      wf.migrate();
      wf.start();
      viaStore = scenario(storeWorld, wf);
    }
    assertThat(viaKafka).isEqualTo(viaStore);
  }

  @Test
  void twoKafkaFedInstances_inOneGroup_eachInputHandledOnce_eachDeadlineFiredOnce() {
    int requests = 40;
    world.stock.handle("nut", new Add(requests / 2));
    world.stock.handle("slow", new Add(100));
    world.stockGate.swallow = "slow"::equals;
    try (Workflow<Progress> a = world.workflow(TIMEOUTS).build();
        Workflow<Progress> b = world.workflow(TIMEOUTS).build();
        KafkaProjectionRunner ra = kafkaRunner(a, "a");
        KafkaProjectionRunner rb = kafkaRunner(b, "b")) {
      a.migrate();
      ra.start();
      a.startDeadlines();
      rb.start();
      b.startDeadlines();
      // The group shares the partitions out: each runner holds some, none holds one twice.
      await().atMost(WAIT).until(() -> {
        var pa = ra.status().positions().keySet();
        var pb = rb.status().positions().keySet();
        return !pa.isEmpty() && !pb.isEmpty() && pa.size() + pb.size() == topics.size() * PARTITIONS
            && pa.stream().noneMatch(pb::contains);
      });
      for (int i = 0; i < requests; i++) {
        world.requests.handle("q" + i, new Open(i % 2 == 0 ? "nut" : "slow", 1));
      }
      await().atMost(WAIT).until(
          () -> IntStream.range(0, requests).allMatch(i -> world.events("q" + i).size() == 2));
      await().atMost(WAIT).until(
          () -> IntStream.range(0, requests).allMatch(i -> a.history("q" + i).size() == 2));

      for (int i = 0; i < requests; i++) {
        String id = "q" + i;
        List<Object> events = world.events(id);
        assertThat(events).as(id).hasSize(2);
        assertThat(events.get(1)).as(id).isEqualTo(i % 2 == 0 ? new Completed() : new Rejected("expired"));
        // One record per input: the Opened event, then the reservation or the deadline's firing.
        assertThat(world.events(a.streamId(id))).as(id).hasSize(2);
        assertThat(a.history(id)).as(id).extracting(HistoryEntry::input)
            .containsExactly("Opened", i % 2 == 0 ? "Reserved" : "deadline:expire");
        List<DeadlineView> deadlines = a.deadlines(id);
        assertThat(deadlines).as(id).hasSize(1);
        assertThat(deadlines.get(0).status()).as(id).isEqualTo(i % 2 == 0 ? "cancelled" : "handled");
      }
      assertThat(world.events("nut").stream().filter(e -> e instanceof Reserved)).hasSize(requests / 2);
      assertThat(a.status().deadlines().fired()).isEqualTo(requests / 2);
      assertThat(ra.status().eventsApplied()).as("events applied by a").isPositive();
      assertThat(rb.status().eventsApplied()).as("events applied by b").isPositive();
    }
  }
}
