package dev.cairn.projections;

import dev.cairn.testkit.KafkaExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Measures how long a restarted consumer waits for its partitions after its predecessor was
 * killed ({@code kill -9} of a child JVM, so it says nothing to the group) or closed, for both
 * group protocols, with dynamic and static membership. Not part of the build: run with {@code
 * -Dcairn.measure.takeover=true -Dtest=TakeoverMeasurement}; it prints one line per case.
 */
@EnabledIfSystemProperty(named = "cairn.measure.takeover", matches = "true")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class TakeoverMeasurement {

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();

  static Map<String, Object> config(String bootstrap, String group, String protocol, String instance) {
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    c.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
    if (!instance.equals("-")) {
      c.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instance);
    }
    return c;
  }

  /** The predecessor in a child JVM: joins, says ASSIGNED, and polls until killed. */
  public static void main(String[] args) {
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(config(args[0], args[1], args[2], args[3]))) {
      c.subscribe(List.of(args[4]));
      boolean said = false;
      while (true) {
        c.poll(Duration.ofMillis(100));
        if (!said && c.assignment().size() == 2) {
          System.out.println("ASSIGNED");
          System.out.flush();
          said = true;
        }
      }
    }
  }

  @Test
  void measureTakeoverTimes() throws Exception {
    String bootstrap = kafka.bootstrapServers();
    try (Admin admin = kafka.admin()) {
      // The test kit's broker finalizes no group.version; KIP-848's protocol needs version 1.
      admin.updateFeatures(
              Map.of("group.version", new FeatureUpdate((short) 1, FeatureUpdate.UpgradeType.UPGRADE)),
              new UpdateFeaturesOptions())
          .all()
          .get();
    }
    String[][] cases = {
      {"classic", "-", "crash"}, {"classic", "static", "crash"}, {"classic", "static", "close"},
      {"consumer", "-", "crash"}, {"consumer", "static", "crash"}, {"consumer", "static", "close"},
    };
    List<String> results = new ArrayList<>();
    for (int n = 0; n < cases.length; n++) {
      String[] c = cases[n];
      String topic = kafka.createTopic("takeover-" + n, 2);
      String group = kafka.name("takeover-" + n);
      String instance = c[1].equals("static") ? "instance-" + n : "-";
      long gone = c[2].equals("crash") ? kill(bootstrap, group, c[0], instance, topic) : close(bootstrap, group, c[0], instance, topic);
      results.add(
          "protocol=" + c[0] + " membership=" + (c[1].equals("-") ? "dynamic" : "static") + " predecessor=" + c[2] + ": "
              + rejoin(bootstrap, group, c[0], instance, topic, gone));
    }
    results.forEach(r -> System.out.println("TAKEOVER " + r));
  }

  private static long kill(String bootstrap, String group, String protocol, String instance, String topic)
      throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                System.getProperty("java.home") + "/bin/java", "-cp", System.getProperty("java.class.path"),
                TakeoverMeasurement.class.getName(), bootstrap, group, protocol, instance, topic)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null && !line.equals("ASSIGNED")) {
        // the child's other output
      }
    }
    p.destroyForcibly().waitFor();
    return System.nanoTime();
  }

  private static long close(String bootstrap, String group, String protocol, String instance, String topic) {
    try (KafkaConsumer<String, String> a = new KafkaConsumer<>(config(bootstrap, group, protocol, instance))) {
      a.subscribe(List.of(topic));
      while (a.assignment().size() < 2) {
        a.poll(Duration.ofMillis(100));
      }
    }
    return System.nanoTime();
  }

  /** Joins again (with new consumers while the broker refuses one) until both partitions are back. */
  private static String rejoin(String bootstrap, String group, String protocol, String instance, String topic, long gone) {
    int consumers = 0;
    String refusal = "";
    while (System.nanoTime() - gone < TimeUnit.SECONDS.toNanos(80)) {
      consumers++;
      try (KafkaConsumer<String, String> b = new KafkaConsumer<>(config(bootstrap, group, protocol, instance))) {
        b.subscribe(List.of(topic));
        while (b.assignment().size() < 2 && System.nanoTime() - gone < TimeUnit.SECONDS.toNanos(80)) {
          b.poll(Duration.ofMillis(100));
        }
        if (b.assignment().size() == 2) {
          return "took over in " + (System.nanoTime() - gone) / 1_000_000 + " ms"
              + (consumers > 1 ? " (" + consumers + " consumers; refused: " + refusal + ")" : "");
        }
      } catch (RuntimeException e) {
        refusal = e.getClass().getSimpleName();
      }
    }
    return "no partitions after 80 s";
  }
}
