package dev.cairn.bus.kafka.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the relay's topics if they are missing and waits until they can take writes.
 *
 * <p>Right after a topic is created, metadata may name a leader before the leader's log exists;
 * an idempotent producer's first batch then fails and its retry can loop on an out-of-order
 * sequence. So a topic counts as ready only once a list-offsets request, which the leader's log
 * answers itself, succeeds for every partition.
 */
public final class TopicAdmin implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

  private final Admin admin;
  private final Duration timeout;
  private final Set<String> ready = ConcurrentHashMap.newKeySet();

  /**
   * Opens an admin client.
   *
   * @param settings the admin client's settings
   * @param timeout how long one topic may take to be created and become ready
   */
  public TopicAdmin(Map<String, Object> settings, Duration timeout) {
    this.admin = Admin.create(settings);
    this.timeout = timeout;
  }

  /**
   * Makes sure a topic exists and takes writes, creating it if missing. Topics found ready are
   * remembered, so later calls cost nothing.
   *
   * @param topic the topic
   * @param partitions its partition count, if created; empty for the broker's default
   * @param replication its replication factor, if created; empty for the broker's default
   * @param configs its configuration, if created
   * @throws KafkaException if it cannot be created or does not become ready in time
   */
  public void ensure(
      String topic, Optional<Integer> partitions, Optional<Short> replication, Map<String, String> configs) {
    if (ready.contains(topic)) {
      return;
    }
    try {
      admin
          .createTopics(List.of(new NewTopic(topic, partitions, replication).configs(configs)))
          .all()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      LOG.info(
          "created topic {} with {} partitions, replication {}, {}",
          topic,
          partitions.map(String::valueOf).orElse("the broker's default"),
          replication.map(String::valueOf).orElse("the broker's default"),
          configs);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw kafkaException("creating topic " + topic, e.getCause());
      }
    } catch (java.util.concurrent.TimeoutException e) {
      throw new TimeoutException("creating topic " + topic + " took longer than " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted creating topic " + topic, e);
    }
    awaitReady(topic);
    ready.add(topic);
  }

  /**
   * Returns the end offsets (high watermarks, whatever transactions are open) of a topic's
   * partitions.
   *
   * @param topic the topic
   * @return the end offset of each partition
   * @throws KafkaException if they cannot be listed
   */
  public Map<TopicPartition, Long> endOffsets(String topic) {
    try {
      return endOffsetsOnce(topic);
    } catch (ExecutionException e) {
      throw kafkaException("listing the end offsets of " + topic, e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new TimeoutException("listing the end offsets of " + topic + " took longer than " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted listing the end offsets of " + topic, e);
    }
  }

  /**
   * Returns a topic's effective configuration (its own values and the broker's defaults).
   *
   * @param topic the topic
   * @return each setting's value; settings without a value are left out
   * @throws KafkaException if it cannot be described in time
   */
  public Map<String, String> configs(String topic) {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    try {
      // all() completes only with an entry for each resource asked, or fails.
      Config config = Objects.requireNonNull(
          admin.describeConfigs(List.of(resource)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(resource),
          "config");
      Map<String, String> values = new HashMap<>();
      for (ConfigEntry entry : config.entries()) {
        if (entry.value() != null) {
          values.put(entry.name(), entry.value());
        }
      }
      return values;
    } catch (ExecutionException e) {
      throw kafkaException("describing the configuration of topic " + topic, e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new TimeoutException("describing the configuration of topic " + topic + " took longer than " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted describing the configuration of topic " + topic, e);
    }
  }

  /** Returns the admin client itself, for the relay's other administration. */
  Admin client() {
    return admin;
  }

  /** Forgets which topics were found ready, so they are checked again. */
  public void forget() {
    ready.clear();
  }

  private void awaitReady(String topic) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Throwable last = null;
    long pauseMillis = 10;
    while (System.nanoTime() < deadline) {
      try {
        endOffsetsOnce(topic);
        return;
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        last = e.getCause() == null ? e : e.getCause();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaException("interrupted waiting for topic " + topic, e);
      }
      try {
        // A short, growing pause between checks: the topic's leader appears within milliseconds.
        TimeUnit.MILLISECONDS.sleep(pauseMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaException("interrupted waiting for topic " + topic, e);
      }
      pauseMillis = Math.min(pauseMillis * 2, 500);
    }
    throw new TimeoutException("topic " + topic + " did not become writable within " + timeout + ": " + last);
  }

  private Map<TopicPartition, Long> endOffsetsOnce(String topic)
      throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
    // allTopicNames() completes only with a description of each topic asked, or fails.
    TopicDescription description = Objects.requireNonNull(
        admin.describeTopics(List.of(topic)).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic),
        "description");
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    description.partitions().forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
    Map<TopicPartition, ListOffsetsResultInfo> offsets =
        admin.listOffsets(request).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    Map<TopicPartition, Long> result = new HashMap<>();
    offsets.forEach((tp, info) -> result.put(tp, info.offset()));
    return result;
  }

  private static KafkaException kafkaException(String what, @Nullable Throwable cause) {
    return cause instanceof KafkaException k
        ? k
        : new KafkaException(what + ": " + cause, cause);
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }
}
