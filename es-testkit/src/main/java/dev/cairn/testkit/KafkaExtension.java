package dev.cairn.testkit;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class this JVM's {@linkplain TestServers#kafka() Kafka cluster} and topic names
 * that no other test class uses:
 *
 * <pre>{@code
 * @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
 * String topic = kafka.createTopic("orders", 8);
 * }</pre>
 */
public final class KafkaExtension implements BeforeAllCallback {

  private @Nullable String prefix;
  private @Nullable KafkaServer server;

  /** Creates the extension; the cluster starts before the class's first test. */
  public KafkaExtension() {}

  @Override
  public void beforeAll(ExtensionContext context) {
    TestServers.stopAfterAllTests(context);
    server = TestServers.kafka();
    String cls =
        context.getRequiredTestClass().getSimpleName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    prefix = cls + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 40) + "-";
  }

  /**
   * Returns the cluster's bootstrap servers.
   *
   * @return {@code host:port[,...]}
   * @throws IllegalStateException if called outside the test class's lifetime
   */
  public String bootstrapServers() {
    return server().bootstrapServers();
  }

  /**
   * Returns the cluster.
   *
   * @return the cluster
   * @throws IllegalStateException if called outside the test class's lifetime
   */
  public KafkaServer server() {
    if (server == null) {
      throw new IllegalStateException(
          "no Kafka: register KafkaExtension as a static field with @RegisterExtension");
    }
    return server;
  }

  /**
   * Makes a topic (or group, or transactional id) name unique to this test class.
   *
   * @param base a readable base name
   * @return the base with this class's unique prefix
   */
  public String name(String base) {
    server();
    return prefix() + base;
  }

  /** This class's unique prefix, set with the server: callers have checked {@link #server()}. */
  private String prefix() {
    return requireNonNull(prefix, "prefix");
  }

  /**
   * Creates a topic with a name unique to this test class, replication factor 1.
   *
   * @param base a readable base name
   * @param partitions the partition count
   * @return the topic's full name
   * @throws IllegalStateException if the broker refuses
   */
  public String createTopic(String base, int partitions) {
    String topic = name(base);
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
      awaitLeaders(admin, topic);
      return topic;
    } catch (ExecutionException e) {
      throw new IllegalStateException("could not create topic " + topic + ": " + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating topic " + topic, e);
    }
  }

  /**
   * Waits until every partition of a new topic has a leader, so the first send does not race the
   * broker's metadata.
   */
  private static void awaitLeaders(Admin admin, String topic)
      throws ExecutionException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Exception last = null;
    while (System.nanoTime() < deadline) {
      // Metadata can name a leader before the leader's log exists; a list-offsets request is
      // answered by the leader's log itself, so its success means produce requests will land.
      try {
        // allTopicNames() fails rather than leave out a topic it was asked for.
        TopicDescription description =
            requireNonNull(
                admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic), topic);
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        description
            .partitions()
            .forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        admin.listOffsets(request).all().get();
        return;
      } catch (ExecutionException e) {
        last = e;
        pauseBeforeRetry();
      }
    }
    throw new IllegalStateException("topic " + topic + " is not ready after 30 s", last);
  }

  /** A short pause between readiness probes, so the wait does not flood the broker it waits for. */
  private static void pauseBeforeRetry() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a topic", e);
    }
  }

  /**
   * Opens an admin client on the cluster; the caller closes it.
   *
   * @return the client
   */
  public Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
  }

  /**
   * Returns settings for a producer of string keys and byte-array values.
   *
   * @return a mutable map the caller may extend
   */
  public Map<String, Object> producerConfig() {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return config;
  }

  /**
   * Returns settings for a {@code read_committed} consumer of string keys and byte-array values
   * that starts from the earliest offset.
   *
   * @param group the consumer group's base name, made unique to this class
   * @return a mutable map the caller may extend
   */
  public Map<String, Object> consumerConfig(String group) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, name(group));
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return config;
  }

  /**
   * Lists the topics that this test class created.
   *
   * @return their names
   */
  public Set<String> topics() {
    try (Admin admin = admin()) {
      Set<String> all = admin.listTopics().names().get();
      String prefix = prefix();
      all.removeIf(t -> !t.startsWith(prefix));
      return all;
    } catch (ExecutionException e) {
      throw new IllegalStateException("could not list topics: " + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted listing topics", e);
    }
  }
}
