package dev.cairn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * The end-to-end baseline's consumer: a raw {@link KafkaConsumer} on all partitions of a topic
 * that, for each poll that returned records, reads each value into its record with Jackson and
 * inserts its row with JDBC, in one transaction, then commits the offsets to Kafka (at least once:
 * offsets after the rows).
 */
final class RawProjector implements AutoCloseable {

  private final KafkaConsumer<String, byte[]> consumer;
  private final DataSource ds;
  private final String insert;
  private final ObjectMapper mapper;
  private final Thread thread;
  private volatile boolean closed;
  private volatile @Nullable Throwable failure;

  /**
   * Starts consuming.
   *
   * @param insert an INSERT taking the key (text) and the deposit's amount (bigint), in that order
   */
  RawProjector(
      String bootstrap, String group, String topic, int partitions, DataSource ds, String insert, ObjectMapper mapper) {
    this.consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    List<TopicPartition> all = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      all.add(new TopicPartition(topic, p));
    }
    consumer.assign(all);
    this.ds = ds;
    this.insert = insert;
    this.mapper = mapper;
    this.thread = new Thread(this::run, "bench-raw-projector-" + topic);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Throws if the consumer failed.
   *
   * @throws IllegalStateException with the failure as its cause
   */
  void check() {
    Throwable t = failure;
    if (t != null) {
      throw new IllegalStateException("raw projector failed: " + t, t);
    }
  }

  private void run() {
    try {
      while (!closed) {
        ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
        if (records.isEmpty()) {
          continue;
        }
        try (Connection c = ds.getConnection();
            PreparedStatement ps = c.prepareStatement(insert)) {
          c.setAutoCommit(false);
          for (ConsumerRecord<String, byte[]> r : records) {
            Accounts.Deposited d = mapper.readValue(r.value(), Accounts.Deposited.class);
            ps.setString(1, r.key());
            ps.setLong(2, d.amount());
            ps.executeUpdate();
          }
          c.commit();
        }
        consumer.commitAsync();
      }
    } catch (WakeupException e) {
      // close() asked it to stop.
    } catch (Exception e) {
      failure = e;
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
