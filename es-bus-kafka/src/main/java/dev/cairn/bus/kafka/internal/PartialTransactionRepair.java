package dev.cairn.bus.kafka.internal;

import dev.cairn.api.GlobalPosition;
import dev.cairn.bus.kafka.CairnRecords;
import dev.cairn.bus.kafka.KafkaRelay;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves transactions that a restarted broker left committed on some of a relay's partitions
 * and open on others, trading exactly-once for at-least-once on the affected batch, never for a
 * loss. Kafka has no way to write the missing commit markers, so the open parts are aborted:
 *
 * <ul>
 *   <li>a part open on the position topic is aborted; the relay then resumes from its previous
 *       position and publishes the batch again, so the batch's events already committed on event
 *       partitions appear twice;
 *   <li>before a part open on an event partition is aborted, the relay's committed position is
 *       moved back to just before the first event of that part (read from the open part itself),
 *       so the relay publishes it again, and every event after it a second time.
 * </ul>
 *
 * The position is moved with the relay's own transactional id, which fences a running relay; it
 * takes its lock back and resumes from the moved position. Each step is safe to repeat.
 */
public final class PartialTransactionRepair {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaRelay.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /**
   * What a repair did.
   *
   * @param aborted the open parts it aborted
   * @param rewoundTo the position it committed for the relay, if it moved it back
   */
  public record Outcome(List<HangingTransactions.PartialTransaction> aborted, Optional<GlobalPosition> rewoundTo) {

    /**
     * Copies the list.
     *
     * @param aborted the open parts it aborted
     * @param rewoundTo the position it committed, if any
     */
    public Outcome {
      aborted = List.copyOf(aborted);
    }
  }

  private PartialTransactionRepair() {}

  /**
   * Finds the partly committed transactions on a relay's position topic and event topics and
   * resolves them as the class describes.
   *
   * @param settings the relay's settings
   * @param eventTopics the event topics the relay writes
   * @return what it did; nothing if no such transaction was found
   * @throws KafkaException if Kafka cannot be asked or refuses a step; repeating is safe
   */
  public static Outcome resolve(RelaySettings settings, Collection<String> eventTopics) {
    String id = settings.transactionalId();
    try (TopicAdmin admin = new TopicAdmin(KafkaSettings.admin(settings.rawSettings(), id + "-repair"), TIMEOUT)) {
      HangingTransactions hanging =
          new HangingTransactions(admin, settings.transactionTimeout().plus(RelayLoop.HANGING_MARGIN), TIMEOUT);
      List<String> topics = new ArrayList<>(eventTopics);
      topics.add(settings.positionTopic());
      List<HangingTransactions.PartialTransaction> partial = hanging.findPartial(topics, System.currentTimeMillis());
      List<HangingTransactions.PartialTransaction> onEvents = new ArrayList<>();
      for (HangingTransactions.PartialTransaction p : partial) {
        if (p.hanging().partition().topic().equals(settings.positionTopic())) {
          // Aborting it brings back the position before the batch: the batch is published again.
          hanging.abort(p.hanging());
          LOG.warn("relay {}: aborted the open part of a partly committed {}", id, p.describe());
        } else {
          onEvents.add(p);
        }
      }
      Optional<GlobalPosition> rewound = Optional.empty();
      if (!onEvents.isEmpty()) {
        GlobalPosition first = firstPosition(settings, onEvents.get(0).hanging());
        for (HangingTransactions.PartialTransaction p : onEvents.subList(1, onEvents.size())) {
          GlobalPosition at = firstPosition(settings, p.hanging());
          first = at.compareTo(first) < 0 ? at : first;
        }
        rewound = rewind(settings, admin, first);
        for (HangingTransactions.PartialTransaction p : onEvents) {
          hanging.abort(p.hanging());
          LOG.warn("relay {}: aborted the open part of a partly committed {}", id, p.describe());
        }
      }
      return new Outcome(partial, rewound);
    }
  }

  /** The global position of the first record of an open part, read past the last stable offset. */
  private static GlobalPosition firstPosition(RelaySettings settings, HangingTransactions.OpenTransaction t) {
    Map<String, Object> config =
        KafkaSettings.positionConsumer(settings.rawSettings(), settings.transactionalId() + "-repair-read");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(t.partition()));
      consumer.seek(t.partition(), t.startOffset());
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() == t.startOffset()) {
            Header h = r.headers().lastHeader(CairnRecords.POSITION);
            if (h == null) {
              throw new KafkaException("the record at " + t.partition() + " offset " + t.startOffset()
                  + " has no " + CairnRecords.POSITION + " header; not written by a relay");
            }
            return GlobalPosition.parse(new String(h.value(), StandardCharsets.UTF_8));
          }
        }
      }
    }
    throw new KafkaException("could not read " + t.partition() + " at offset " + t.startOffset() + " in " + TIMEOUT);
  }

  /**
   * Commits, with the relay's transactional id, a position just before {@code first} unless the
   * relay's committed position already is before it.
   */
  private static Optional<GlobalPosition> rewind(RelaySettings settings, TopicAdmin admin, GlobalPosition first) {
    // Events are read after a position in (txId, position) order; nothing lies between these two.
    GlobalPosition before = new GlobalPosition(first.txId(), first.position() - 1);
    Optional<GlobalPosition> committed =
        PositionTopic.readLast(
            KafkaSettings.positionConsumer(settings.rawSettings(), settings.transactionalId() + "-repair-position"),
            admin, settings.positionTopic(), settings.transactionalId(), TIMEOUT);
    if (committed.isEmpty() || committed.get().compareTo(before) <= 0) {
      return Optional.empty();
    }
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(settings.producerSettings(), new StringSerializer(), new StringSerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(settings.positionTopic(), settings.transactionalId(), before.toString()));
      producer.commitTransaction();
    }
    LOG.warn(
        "relay {}: moved its committed position back from {} to {} so that it publishes again the events of a"
            + " partly committed transaction (and those after them a second time)",
        settings.transactionalId(), committed.get(), before);
    return Optional.of(before);
  }
}
