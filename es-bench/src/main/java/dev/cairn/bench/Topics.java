package dev.cairn.bench;

import java.io.PrintStream;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/** The few topic chores of the Kafka cases: create, count, delete. */
final class Topics {

  private static final long TIMEOUT_S = 60;

  private Topics() {}

  /** Opens an admin client on the cluster. */
  static Admin admin(String bootstrapServers) {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
  }

  /**
   * Creates topics with replication factor 1 and waits until they exist. They accept records of
   * up to 2 MiB, as the relay requires of an existing event topic for the store's default 1 MiB
   * events (1.5 x for jsonb's spacing plus headers); the raw baselines' topics get the same.
   */
  static void create(Admin admin, int partitions, String... names) throws Exception {
    List<NewTopic> topics =
        java.util.Arrays.stream(names)
            .map(n -> new NewTopic(n, partitions, (short) 1).configs(Map.of("max.message.bytes", String.valueOf(2 << 20))))
            .toList();
    get(admin.createTopics(topics).all());
  }

  /** Returns the sum of a topic's end offsets (records plus transaction markers). */
  static long endOffsets(Admin admin, String topic, int partitions) throws Exception {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      request.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    Map<TopicPartition, ListOffsetsResultInfo> ends = get(admin.listOffsets(request).all());
    return ends.values().stream().mapToLong(ListOffsetsResultInfo::offset).sum();
  }

  /** Deletes topics; a failure is logged, not thrown, since the figures are already taken. */
  static void deleteQuietly(Admin admin, Collection<String> names, PrintStream log) {
    try {
      get(admin.deleteTopics(names).all());
    } catch (Exception e) {
      log.println("  (could not delete topics " + names + ": " + e + ")");
    }
  }

  private static <T> T get(org.apache.kafka.common.KafkaFuture<T> f) throws Exception {
    try {
      return f.get(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    } catch (TimeoutException e) {
      throw new IllegalStateException("Kafka did not answer within " + TIMEOUT_S + " s", e);
    }
  }
}
