package dev.cairn.projections;

import dev.cairn.api.GlobalPosition;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.projections.Bank.Ledger;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.KafkaExtension;
import dev.cairn.testkit.PostgresDatabase;
import dev.cairn.testkit.PostgresExtension;
import dev.cairn.testkit.PostgresServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Measures what a read side's Kafka-fed runners apply per second when they fold a retained topic
 * from offset 0 (a {@link KafkaRebuild}, or a new read side catching up): one instance on one
 * partition, one instance on four, and two instances sharing four, each into a read-side database
 * on a PostgreSQL server of its own. Not part of the build: run with {@code
 * -Dcairn.measure.readside=true -Dtest=ReadSideMeasurement}; it prints one line per case.
 */
@EnabledIfSystemProperty(named = "cairn.measure.readside", matches = "true")
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class ReadSideMeasurement {

  @RegisterExtension static final PostgresExtension writeSide = new PostgresExtension();
  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  static final int ACCOUNTS = 500;
  static final int DEPOSITS = 59; // 500 * 60 = 30,000 events

  @Test
  void measure() throws Exception {
    try (PostgresServer readServer = PostgresServer.embedded(Map.of());
        PostgresDatabase readDb = readServer.createDatabase("ReadSideMeasurement")) {
      for (int partitions : new int[] {1, 4}) {
        String prefix = kafka.name("m" + partitions + ".");
        JdbcEventStore store = Bank.store(writeSide.dataSource());
        Ledger ledger = new Ledger(store);
        try (KafkaRelay relay =
            KafkaRelay.builder(store)
                .kafkaSettings(Map.of("bootstrap.servers", kafka.bootstrapServers()))
                .topicPrefix(prefix)
                .transactionalId(kafka.name("m-relay-" + partitions))
                .partitions(partitions)
                .meterRegistry(new SimpleMeterRegistry())
                .build()
                .start()) {
          List<Thread> writers = new ArrayList<>();
          for (int w = 0; w < 4; w++) {
            int from = w;
            Thread t = new Thread(() -> {
              for (int a = from; a < ACCOUNTS; a += 4) {
                ledger.fill("acc-" + a + "-", 1, DEPOSITS);
              }
            });
            t.start();
            writers.add(t);
          }
          for (Thread t : writers) {
            t.join();
          }
          var all = Bank.readAll(store, GlobalPosition.START);
          long total = all.size();
          GlobalPosition last = all.get(all.size() - 1).position();
          // Wait until the relay has published everything.
          long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
          while (relay.status().position().compareTo(last) < 0) {
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException("relay did not publish everything: " + relay.status());
            }
            Thread.sleep(50); // measurement only
          }
          for (int instances : partitions == 1 ? new int[] {1} : new int[] {1, 2}) {
            String schema = "m" + partitions + "_" + instances;
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            List<ProjectionManager> managers = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
              ProjectionManager m = ProjectionManager.readSide(readDb.dataSource(), Bank.SERIALIZER).schema(schema).meterRegistry(meters).build();
              m.migrate();
              managers.add(m);
            }
            Projection balances = Bank.balances("balances", 1, false);
            managers.get(0).install(balances);
            List<KafkaProjectionRunner> runners = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < instances; i++) {
              KafkaProjectionRunner r =
                  managers.get(i)
                      .kafkaRunner(balances, kafka.consumerConfig("m-" + schema), List.of(prefix + "account"))
                      .maxBatchRecords(1000)
                      .instanceId(kafka.name(schema + "-" + i))
                      .build();
              r.start();
              runners.add(r);
            }
            while (runners.stream().mapToLong(KafkaProjectionRunner::applied).sum() < total) {
              if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(10)) {
                throw new IllegalStateException("not caught up");
              }
              Thread.sleep(20); // measurement only, not a test's synchronisation
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                "READSIDE partitions=%d instances=%d events=%d seconds=%.2f events/s=%.0f%n",
                partitions, instances, total, seconds, total / seconds);
            runners.forEach(KafkaProjectionRunner::stop);
          }
        }
      }
    }
  }
}
