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
   *
   * <p>Then it waits until every partition's leader answers for its end offset, as the relay's
   * own topic creation does: an idempotent producer whose first batch meets a leader that is not
   * ready yet (NOT_LEADER_OR_FOLLOWER) was seen to retry it into OutOfOrderSequence for good, and
   * the raw relay baseline's commit then timed out after 60 s.
   */
  static void create(Admin admin, int partitions, String... names) throws Exception {
    List<NewTopic> topics =
        java.util.Arrays.stream(names)
            .map(n -> new NewTopic(n, partitions, (short) 1).configs(Map.of("max.message.bytes", String.valueOf(2 << 20))))
            .toList();
    get(admin.createTopics(topics).all());
    for (String name : names) {
      awaitLeaders(admin, name, partitions);
    }
  }

  private static void awaitLeaders(Admin admin, String topic, int partitions) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
    long pauseMillis = 5;
    while (true) {
      try {
        endOffsets(admin, topic, partitions);
        return;
      } catch (org.apache.kafka.common.errors.RetriableException notYet) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("topic " + topic + " has no ready leaders after " + TIMEOUT_S + " s", notYet);
        }
        // The metadata of a topic just created reaches the broker within milliseconds.
        TimeUnit.MILLISECONDS.sleep(pauseMillis);
        pauseMillis = Math.min(pauseMillis * 2, 200);
      }
    }
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
