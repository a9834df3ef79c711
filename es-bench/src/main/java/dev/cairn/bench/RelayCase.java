package dev.cairn.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.bus.kafka.RelayStatus;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Store to Kafka, events/s: a fresh {@link KafkaRelay} (new transactional id and topic prefix, so
 * it starts from the beginning of the global order) drains the same pre-appended events to the
 * head, against a hand-written outbox relay doing the same job with raw clients: a JDBC keyset
 * read of the next batch (the same columns and order as the store's global read, behind the same
 * xmin fence), {@link CairnRecords#toRecord} of each event (the same key, value and header bytes),
 * and a raw transactional, idempotent {@link KafkaProducer} with the same settings sending each
 * batch in one transaction to a fresh topic with the same partitions.
 *
 * <p>Why the baseline reads PostgreSQL rather than sending records built beforehand: a producer
 * that begins its next transaction the moment the previous commit returns finds that
 * transaction's markers still being written; the broker answers its first records with
 * CONCURRENT_TRANSACTIONS and the client retries them after {@code retry.backoff.ms}. Such a
 * baseline measures that back-off, not Kafka. Reading the batch puts the same gap in both sides,
 * and the baseline's producer has the relay's {@code retry.backoff.ms}.
 *
 * <p>A repetition is one drain of all the events, not a timed window. Both sides are timed from
 * the commit of their first transaction to the commit of their last, over the events after the
 * first transaction, so that neither pays for its start (producer, transaction coordinator, topic
 * creation; for the relay also its lock and the read of its committed position). What the relay
 * does beyond the baseline is counted: Jdbi and its row mapping, the topic check, the position
 * record in each transaction, and the monitoring row it writes after each commit.
 */
final class RelayCase implements KafkaCase {

  static final int PARTITIONS = 4;
  static final int BATCH = KafkaRelay.DEFAULT_BATCH_SIZE;
  static final int LINGER_MS = 5;
  static final int BATCH_BYTES = 64 * 1024;
  static final String SOURCE = "cairn://bench";
  /**
   * What a hand-written outbox relay reads: the same columns and keyset as the store's global
   * read, behind the same fence (only transactions older than every running one).
   */
  private static final String RAW_PAGE =
      "SELECT global_position, tx_id::text AS tx_text, event_id, stream_id, stream_type, version, event_type,"
          + " schema_revision, payload::text, metadata::text, recorded_at FROM cairn.events"
          + " WHERE (tx_id, global_position) > (CAST(CAST(? AS text) AS xid8), ?)"
          + " AND tx_id < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY tx_id, global_position LIMIT ?";
  private static final long DRAIN_TIMEOUT_NANOS = 300_000_000_000L;

  @Override
  public String name() {
    return "relay";
  }

  @Override
  public String description() {
    return "store -> Kafka events/s, KafkaRelay vs a hand-written relay (JDBC page read, raw transactional producer)";
  }

  @Override
  public List<Result> run(BenchContext ctx) throws Exception {
    int events = ctx.settings().quick() ? 20_000 : 100_000;
    String bootstrap = ctx.kafka().bootstrapServers();
    String run = KafkaCase.runId();
    Map<String, Object> kafka =
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ProducerConfig.LINGER_MS_CONFIG, LINGER_MS,
            ProducerConfig.BATCH_SIZE_CONFIG, BATCH_BYTES);
    try (PostgresDatabase db = ctx.database(name());
        HikariDataSource pool = ctx.pool(db, name());
        Admin admin = Topics.admin(bootstrap)) {
      JdbcEventStore store =
          JdbcEventStore.builder(pool).schema("cairn").meterRegistry(new SimpleMeterRegistry()).build();
      store.migrate();
      long fillStart = System.nanoTime();
      List<RecordedEvent> all = Prefill.accounts(store, events);
      GlobalPosition head = store.headPosition();
      if (!head.equals(all.get(all.size() - 1).position())) {
        throw new IllegalStateException(
            "head " + head + " is not the last event read, " + all.get(all.size() - 1).position());
      }
      ctx.log().printf(java.util.Locale.ROOT, "  appended %d events in %d accounts in %.1f s; every repetition,"
              + " and the warm-up, drains them all once (the times below do not apply)%n", all.size(),
          all.size() / Prefill.PER_ACCOUNT, (System.nanoTime() - fillStart) / 1e9);
      Map<GlobalPosition, Integer> index = new HashMap<>();
      for (int i = 0; i < all.size(); i++) {
        index.put(all.get(i).position(), i);
      }
      AtomicInteger runs = new AtomicInteger();
      // The end offsets (records plus transaction markers) of the last event topic of each side:
      // the same events in the same batches give the same offsets, so both did the same work.
      AtomicLong cairnEnd = new AtomicLong(-1);
      AtomicLong rawEnd = new AtomicLong(-1);

      Measure<Double> cairn = d -> {
        String id = "bench-relay-" + run + "-" + runs.incrementAndGet();
        String prefix = id + ".";
        String topic = prefix + Accounts.STREAM_TYPE;
        double rate;
        try (KafkaRelay relay =
            KafkaRelay.builder(store)
                .kafkaSettings(kafka)
                .transactionalId(id)
                .topicPrefix(prefix)
                .partitions(PARTITIONS)
                .replicationFactor(1)
                .batchSize(BATCH)
                .source(SOURCE)
                .meterRegistry(new SimpleMeterRegistry())
                .build()) {
          relay.start();
          rate = drain(relay, head, index, all.size());
        }
        cairnEnd.set(Topics.endOffsets(admin, topic, PARTITIONS));
        Topics.deleteQuietly(admin, List.of(topic, prefix + KafkaRelay.POSITION_TOPIC), ctx.log());
        return rate;
      };

      Measure<Double> raw = d -> {
        String id = "bench-relay-raw-" + run + "-" + runs.incrementAndGet();
        Topics.create(admin, PARTITIONS, id);
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        // The relay's retry back-off, which decides how soon a transaction begun while the
        // previous one's markers are written is retried.
        config.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, KafkaRelay.DEFAULT_RETRY_BACKOFF_MS);
        long start = 0;
        long end = 0;
        int first = 0;
        int sent = 0;
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
            Connection c = pool.getConnection();
            PreparedStatement read = c.prepareStatement(RAW_PAGE)) {
          producer.initTransactions();
          GlobalPosition at = GlobalPosition.START;
          while (true) {
            List<RecordedEvent> batch = readPage(read, at);
            if (batch.isEmpty()) {
              break;
            }
            producer.beginTransaction();
            for (RecordedEvent e : batch) {
              producer.send(CairnRecords.toRecord(id, e, SOURCE));
            }
            producer.commitTransaction();
            end = System.nanoTime();
            at = batch.get(batch.size() - 1).position();
            sent += batch.size();
            if (first == 0) {
              start = end;
              first = batch.size();
            }
          }
        }
        if (sent != all.size()) {
          throw new IllegalStateException("the raw relay sent " + sent + " events, not " + all.size());
        }
        rawEnd.set(Topics.endOffsets(admin, id, PARTITIONS));
        Topics.deleteQuietly(admin, List.of(id), ctx.log());
        return (sent - first) / ((end - start) / 1e9);
      };

      double[] medians = Interleaved.throughput(ctx.settings(), ctx.log(), name(), cairn, raw);
      if (cairnEnd.get() != rawEnd.get()) {
        throw new IllegalStateException(
            "the relay's topic ended at offset total " + cairnEnd.get() + " but the baseline's at " + rawEnd.get()
                + ": the sides did not send the same records in the same transactions");
      }
      return List.of(
          Result.throughput(name(), medians[0], medians[1], 0.5,
              all.size() + " events, " + BATCH + "/tx, " + PARTITIONS + " partitions, linger.ms " + LINGER_MS
                  + ", batch.size " + BATCH_BYTES + "; KafkaRelay vs hand-written relay (JDBC page read, CairnRecords,"
                  + " raw transactional producer); timed first to last commit"));
    }
  }

  /** The raw relay's page: the next events after a position, behind the same xmin fence. */
  private static List<RecordedEvent> readPage(PreparedStatement read, GlobalPosition after) throws SQLException {
    read.setString(1, Long.toString(after.txId()));
    read.setLong(2, after.position());
    read.setInt(3, BATCH);
    List<RecordedEvent> page = new ArrayList<>(BATCH);
    try (ResultSet rs = read.executeQuery()) {
      while (rs.next()) {
        if (!"{}".equals(rs.getString(10))) {
          // The prefilled events carry no metadata; reading it would need Cairn's own parser.
          throw new IllegalStateException("unexpected metadata " + rs.getString(10));
        }
        page.add(new RecordedEvent(
            rs.getObject(3, UUID.class), rs.getString(4), rs.getString(5), rs.getLong(6),
            new GlobalPosition(Long.parseLong(rs.getString(2)), rs.getLong(1)),
            rs.getObject(11, OffsetDateTime.class).toInstant(), rs.getString(7), rs.getInt(8), rs.getString(9),
            EventMetadata.EMPTY));
      }
    }
    return page;
  }

  /**
   * Waits until the relay's committed position reaches the head and returns its rate over the
   * events after its first transaction, timed from when that transaction was seen committed.
   */
  private static double drain(KafkaRelay relay, GlobalPosition head, Map<GlobalPosition, Integer> index, int events) {
    long deadline = System.nanoTime() + DRAIN_TIMEOUT_NANOS;
    GlobalPosition first = null;
    long start = 0;
    while (true) {
      RelayStatus s = relay.status();
      long now = System.nanoTime();
      if (first == null && !s.position().equals(GlobalPosition.START)) {
        first = s.position();
        start = now;
      }
      if (s.position().equals(head)) {
        // The relay commits only at an event's position, and every event of the run is in the index.
        int after = events - 1 - Objects.requireNonNull(index.get(first), "index of the relay's first position");
        if (after == 0) {
          throw new IllegalStateException("the relay published all " + events + " events in its first transaction");
        }
        return after / ((now - start) / 1e9);
      }
      if (s.state() == RelayStatus.State.STOPPED) {
        throw new IllegalStateException("relay stopped at " + s.position() + ": " + s.lastError());
      }
      if (now > deadline) {
        throw new IllegalStateException(
            "relay did not reach the head " + head + " within " + DRAIN_TIMEOUT_NANOS / 1_000_000_000L + " s: " + s);
      }
      // Polling every 0.2 ms costs little and makes the timing error small beside a drain of seconds.
      LockSupport.parkNanos(200_000);
    }
  }
}
