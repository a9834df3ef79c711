package dev.cairn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * For the profile of the end-to-end case: a {@code read_committed} consumer of the relay's topic,
 * outside any group, that notes when each tagged event first became readable in Kafka, which
 * splits the pipeline's latency into the part before Kafka and the part after.
 */
final class KafkaProbe implements AutoCloseable {

  /** Where to note the times: a repetition and one slot per operation. */
  private record Target(int rep, AtomicLongArray seenAt) {}

  private final KafkaConsumer<String, byte[]> consumer;
  private final ObjectMapper mapper;
  private final Thread thread;
  private volatile @Nullable Target target;
  private volatile boolean closed;

  KafkaProbe(String bootstrap, String topic, int partitions, ObjectMapper mapper) {
    this.consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    List<TopicPartition> all = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      all.add(new TopicPartition(topic, p));
    }
    consumer.assign(all);
    this.mapper = mapper;
    this.thread = new Thread(this::run, "bench-probe-" + topic);
    thread.setDaemon(true);
    thread.start();
  }

  /** Notes the events of this repetition into these slots (by operation index) from now on. */
  void watch(int rep, AtomicLongArray seenAt) {
    target = new Target(rep, seenAt);
  }

  private void run() {
    try {
      while (!closed) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          long now = System.nanoTime();
          Target t = target;
          long tag = mapper.readValue(r.value(), Accounts.Deposited.class).amount();
          if (t != null && (int) (tag >>> 32) == t.rep()) {
            t.seenAt().compareAndSet((int) tag, 0, now);
          }
        }
      }
    } catch (WakeupException e) {
      // close() asked it to stop.
    } catch (Exception e) {
      // Only the profile is lost; the measured latency does not depend on the probe.
      System.err.println("Kafka probe failed: " + e);
    } finally {
      consumer.close();
    }
  }

  @Override
  public void close() {
    closed = true;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
