package dev.cairn.bus.kafka;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.RelayStatus.State;
import dev.cairn.bus.kafka.internal.AdvisoryLock;
import dev.cairn.bus.kafka.internal.HangingTransactions;
import dev.cairn.bus.kafka.internal.KafkaSettings;
import dev.cairn.bus.kafka.internal.PositionTopic;
import dev.cairn.bus.kafka.internal.TopicAdmin;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.store.jdbc.spi.WarnOnce;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's thread: waits for the lock, then publishes batches until it stops, loses the lock
 * or is fenced. Everything but {@link #status()}, {@link #wake()} and {@link #stop()} runs on
 * that one thread.
 */
final class RelayLoop {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaRelay.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  /**
   * Added to the transaction timeout before an open transaction the coordinator does not track is
   * judged hanging: covers the coordinator's abort sweep and clock differences between hosts.
   */
  private static final Duration HANGING_MARGIN = Duration.ofSeconds(10);
  /** How often a busy relay copies its position to PostgreSQL; an idle one does so at once. */
  private static final long MONITORING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** The least time the position read waits for open transactions to end. */
  private static final Duration MIN_POSITION_WAIT = Duration.ofSeconds(10);

  private enum Outcome { STOPPING, FENCED, LOCK_LOST }

  private final KafkaRelay config;
  private final JdbcEventStore store;
  private final AdvisoryLock lock;
  private final Semaphore wakeUps = new Semaphore(0);
  private final CountDownLatch stopping = new CountDownLatch(1);
  private final Thread thread;
  private final WarnOnce warn = new WarnOnce(LOG);

  private final Counter published;
  private final Counter errors;
  private final Counter hangingAborted;
  private final DistributionSummary batchSizes;
  private final Timer transactions;
  private final Timer readDelay;
  private final Timer publishDelay;
  private final List<Meter> meters;

  private volatile State state = State.STOPPED;
  private volatile GlobalPosition position = GlobalPosition.START;
  private volatile String lastError;

  private KafkaProducer<String, byte[]> producer;
  private boolean inTransaction;
  private TopicAdmin admin;
  private HangingTransactions hanging;
  /** The topics this relay writes: its position topic and every event topic it published to. */
  private final Set<String> ownedTopics = new LinkedHashSet<>();
  /** When (ms since the epoch) to look for hanging transactions again; MAX_VALUE for never. */
  private long hangingCheckDue = Long.MAX_VALUE;
  /** Whether the producer is being reopened after a Kafka failure. */
  private boolean recovering;
  private JdbcEventStore.AppendSubscription listener;
  /** The position last copied to PostgreSQL for monitoring, and when (System.nanoTime()). */
  private GlobalPosition monitored;
  private long monitoredAt;

  RelayLoop(KafkaRelay config) {
    this.config = config;
    this.store = config.store;
    this.lock = new AdvisoryLock(store.jdbi(), store.qualifiedTable("events"));
    this.thread = new Thread(this::run, "cairn-relay-" + config.transactionalId);
    thread.setDaemon(true);
    Tags tags = Tags.of("transactional.id", config.transactionalId);
    var registry = config.meters;
    this.published =
        Counter.builder("cairn.relay.events.published").tags(tags).description("Events committed to Kafka").register(registry);
    this.errors =
        Counter.builder("cairn.relay.errors").tags(tags)
            .description("Failed attempts: broker or database unreachable, failed transactions").register(registry);
    this.hangingAborted =
        Counter.builder("cairn.relay.hanging.aborted").tags(tags)
            .description("Hanging transactions (open, untracked by any coordinator) aborted on the relay's partitions")
            .register(registry);
    this.batchSizes =
        DistributionSummary.builder("cairn.relay.batch.size").tags(tags).description("Events per Kafka transaction")
            .register(registry);
    this.transactions =
        Timer.builder("cairn.relay.transaction").tags(tags)
            .description("Latency of publishing one batch: sends and commit").register(registry);
    this.readDelay =
        Timer.builder("cairn.relay.read.delay").tags(tags)
            .description("From the append of each batch's first event (its recorded_at) until the relay read it:"
                + " the append itself, the global-order fence, a relay busy with the previous batch")
            .register(registry);
    this.publishDelay =
        Timer.builder("cairn.relay.publish.delay").tags(tags)
            .description("From the append of each batch's first event (its recorded_at) until its Kafka commit")
            .register(registry);
    Gauge positionGauge =
        Gauge.builder("cairn.relay.position", this, r -> r.position.position()).tags(tags)
            .description("Global position (position part) last committed to Kafka").register(registry);
    Gauge behind =
        Gauge.builder("cairn.relay.events.behind", this, RelayLoop::eventsBehind).tags(tags)
            .description("Events in the store after the relay's position").register(registry);
    this.meters =
        List.of(published, errors, hangingAborted, batchSizes, transactions, readDelay, publishDelay, positionGauge, behind);
  }

  void start() {
    state = State.STANDBY;
    store.addAppendListener(result -> wake());
    if (config.listen) {
      listener = store.listenForAppends(this::wake, "cairn-relay-listen-" + config.transactionalId);
    }
    thread.start();
  }

  RelayStatus status() {
    return new RelayStatus(state, position, lastError);
  }

  void wake() {
    // One pending permit is enough to make the loop read again; more would only spin it.
    if (wakeUps.availablePermits() == 0) {
      wakeUps.release();
    }
  }

  void stop() {
    stopping.countDown();
    wakeUps.release();
    if (thread.isAlive() && Thread.currentThread() != thread) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (!thread.isAlive()) {
      // After a crash the producer was left as a dead process would leave it; free it now.
      discardProducer();
    }
    if (listener != null) {
      listener.close();
    }
    meters.forEach(config.meters::remove);
  }

  private boolean stopRequested() {
    return stopping.getCount() == 0;
  }

  private void run() {
    try {
      admin = new TopicAdmin(KafkaSettings.admin(config.rawSettings, config.transactionalId + "-admin"), ADMIN_TIMEOUT);
      hanging = new HangingTransactions(admin, config.transactionTimeout.plus(HANGING_MARGIN), ADMIN_TIMEOUT);
      LOG.info("relay {} on standby, waiting for the lock of store {}", config.transactionalId, store.qualifiedTable("events"));
      while (awaitLock()) {
        state = State.ACTIVE;
        LOG.info("relay {} is active", config.transactionalId);
        Outcome outcome;
        try {
          outcome = publishUntilDone();
        } catch (Error crash) {
          // A crash (or a test's simulated one): leave Kafka exactly as it is, as a dead process
          // would; only give up the lock, as the end of its session would.
          lock.release();
          throw crash;
        }
        closeProducer();
        if (outcome == Outcome.STOPPING) {
          // A fenced relay or one that lost its lock leaves the copy to its successor.
          recordForMonitoring(true);
        }
        lock.release();
        if (outcome == Outcome.STOPPING) {
          break;
        }
        state = State.STANDBY;
        LOG.info(
            "relay {} on standby: {}", config.transactionalId,
            outcome == Outcome.FENCED ? "another relay with the same transactional id fenced it" : "its lock's session ended");
      }
      LOG.info("relay {} stopped at position {}", config.transactionalId, position);
    } catch (Throwable t) {
      // The thread ends here; status() reports the crash and close() frees what is left.
      lastError = WarnOnce.describe("relay crashed", t);
      LOG.error("relay {} crashed at position {}", config.transactionalId, position, t);
    } finally {
      state = State.STOPPED;
      if (admin != null) {
        admin.close();
      }
    }
  }

  /** Waits until this relay holds the lock; false if asked to stop first. */
  private boolean awaitLock() {
    while (!stopRequested()) {
      try {
        if (lock.tryAcquire()) {
          return true;
        }
      } catch (RuntimeException e) {
        failed("taking the relay lock", e);
      }
      if (pause(config.pollInterval)) {
        return false;
      }
    }
    return false;
  }

  private Outcome publishUntilDone() {
    long backoff = config.initialBackoff.toMillis();
    while (!stopRequested()) {
      try {
        if (producer == null) {
          openProducer();
        }
        if (!lock.isHeld()) {
          return Outcome.LOCK_LOST;
        }
        if (System.currentTimeMillis() >= hangingCheckDue) {
          abortHangingTransactions("a transaction open on them was too recent to judge at the last check");
        }
        List<RecordedEvent> batch = store.readGlobal(position, config.batchSize);
        if (!batch.isEmpty()) {
          publish(batch);
        }
        succeeded();
        backoff = config.initialBackoff.toMillis();
        // Off the hot path: while events keep coming, at most once a second; when idle, at once.
        recordForMonitoring(batch.isEmpty());
        if (batch.size() < config.batchSize) {
          awaitWork();
        }
      } catch (RuntimeException e) {
        if (isFenced(e)) {
          lastError = warn.report("relay " + config.transactionalId + " was fenced", e);
          discardProducer();
          return Outcome.FENCED;
        }
        failed("publishing after position " + position, e);
        if (e instanceof KafkaException) {
          recovering = true;
        }
        if (producer != null && (inTransaction || e instanceof KafkaException)) {
          // The transaction's outcome or the producer's state is unknown: start over with a new
          // producer, whose initTransactions completes or aborts it, and re-read the position.
          discardProducer();
        }
        if (e instanceof KafkaException && admin != null) {
          admin.forget();
        }
        if (pause(Duration.ofMillis(backoff))) {
          break;
        }
        backoff = Math.min(backoff * 2, config.maxBackoff.toMillis());
      }
    }
    return Outcome.STOPPING;
  }

  private void openProducer() {
    producer = new KafkaProducer<>(config.producerSettings, new StringSerializer(), new ByteArraySerializer());
    inTransaction = false;
    // Fences any older producer with this id and completes or aborts its open transaction.
    producer.initTransactions();
    admin.ensure(config.positionTopic, Optional.of(1), config.replication, Map.of("cleanup.policy", "compact"));
    ownedTopics.add(config.positionTopic);
    if (recovering) {
      // A broker failure is what leaves transactions hanging; looking costs one request.
      abortHangingTransactions("recovering after an error");
      recovering = false;
    }
    Optional<GlobalPosition> committed;
    try {
      committed = readPosition();
    } catch (PositionTopic.NotStableException e) {
      // The wait outlasted the transaction timeout: the transaction in the way may hang.
      if (abortHangingTransactions("the position read timed out: " + e.getMessage()) == 0) {
        throw e;
      }
      committed = readPosition();
    }
    position = committed.orElse(GlobalPosition.START);
    LOG.info(
        "relay {} resumes after position {}{}", config.transactionalId, position,
        committed.isPresent() ? " committed in " + config.positionTopic : " (nothing committed yet)");
  }

  private Optional<GlobalPosition> readPosition() {
    // Long enough that a transaction still in the way when it ends is old enough to be judged.
    Duration wait = hanging.threshold().compareTo(MIN_POSITION_WAIT) > 0 ? hanging.threshold() : MIN_POSITION_WAIT;
    return PositionTopic.readLast(
        KafkaSettings.positionConsumer(config.rawSettings, config.transactionalId + "-position"),
        admin, config.positionTopic, config.transactionalId, wait);
  }

  /**
   * Looks for hanging transactions on the relay's partitions and aborts them; a failure to look
   * is logged and retried later. Runs only while this relay has no transaction open.
   *
   * @return how many were aborted
   */
  private int abortHangingTransactions(String reason) {
    hangingCheckDue = Long.MAX_VALUE;
    long now = System.currentTimeMillis();
    try {
      LOG.debug("relay {} looks for hanging transactions on {}: {}", config.transactionalId, ownedTopics, reason);
      HangingTransactions.Result result = hanging.abortHanging(ownedTopics, now);
      hangingAborted.increment(result.aborted().size());
      result.recheckAt().ifPresent(at -> hangingCheckDue = at);
      return result.aborted().size();
    } catch (RuntimeException e) {
      LOG.warn("relay {}: looking for hanging transactions on {} failed; will look again", config.transactionalId,
          ownedTopics, e);
      hangingCheckDue = now + hanging.threshold().toMillis();
      return 0;
    }
  }

  private void publish(List<RecordedEvent> batch) {
    long start = System.nanoTime();
    java.time.Instant appendedAt = batch.get(0).recordedAt();
    long readAt = System.currentTimeMillis();
    Set<String> topics = new LinkedHashSet<>();
    for (RecordedEvent e : batch) {
      topics.add(config.router.topicFor(e));
    }
    for (String topic : topics) {
      admin.ensure(topic, config.partitions, config.replication, config.eventTopicConfig);
      ownedTopics.add(topic);
    }
    GlobalPosition last = batch.get(batch.size() - 1).position();
    producer.beginTransaction();
    inTransaction = true;
    for (RecordedEvent e : batch) {
      producer.send(CairnRecords.toRecord(config.router.topicFor(e), e, config.source));
    }
    producer.send(
        new ProducerRecord<>(
            config.positionTopic, config.transactionalId, last.toString().getBytes(StandardCharsets.UTF_8)));
    config.afterSends.run();
    producer.commitTransaction();
    inTransaction = false;
    config.afterKafkaCommit.run();
    position = last;
    transactions.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    // Recorded once the batch is published, so a batch that is retried counts once.
    readDelay.record(Math.max(0, readAt - appendedAt.toEpochMilli()), TimeUnit.MILLISECONDS);
    publishDelay.record(Math.max(0, System.currentTimeMillis() - appendedAt.toEpochMilli()), TimeUnit.MILLISECONDS);
    batchSizes.record(batch.size());
    published.increment(batch.size());
  }

  /**
   * Copies the position to PostgreSQL, for monitoring only, if it moved since the last copy and
   * either {@code now} is set or the last copy is a second old; a failure never stops the relay.
   */
  private void recordForMonitoring(boolean now) {
    GlobalPosition at = position;
    if (at.equals(monitored) || at.equals(GlobalPosition.START)
        || (!now && System.nanoTime() - monitoredAt < MONITORING_INTERVAL_NANOS)) {
      return;
    }
    try {
      store.jdbi().useHandle(h ->
          h.createUpdate(
                  "INSERT INTO " + store.qualifiedTable("relay_positions")
                      + " (transactional_id, tx_id, global_position, updated_at) VALUES (:id, :tx, :pos, now())"
                      + " ON CONFLICT (transactional_id) DO UPDATE SET tx_id = excluded.tx_id,"
                      + " global_position = excluded.global_position, updated_at = excluded.updated_at")
              .bind("id", config.transactionalId)
              .bind("tx", at.txId())
              .bind("pos", at.position())
              .execute());
      monitored = at;
      monitoredAt = System.nanoTime();
    } catch (RuntimeException e) {
      warn.report("recording the relay position " + at + " for monitoring (publishing goes on)", e);
    }
  }

  private void awaitWork() {
    try {
      wakeUps.tryAcquire(config.pollInterval.toMillis(), TimeUnit.MILLISECONDS);
      wakeUps.drainPermits();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping.countDown();
    }
  }

  /** Pauses, waking early if asked to stop; true if asked to stop. */
  private boolean pause(Duration duration) {
    try {
      return stopping.await(duration.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping.countDown();
      return true;
    }
  }

  private void succeeded() {
    if (lastError != null) {
      LOG.info("relay {} recovered at position {}", config.transactionalId, position);
      lastError = null;
    }
    warn.clear();
  }

  private void failed(String what, RuntimeException e) {
    errors.increment();
    lastError = warn.report("relay " + config.transactionalId + ": " + what, e);
  }

  private static boolean isFenced(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException) {
        return true;
      }
    }
    return false;
  }

  /** Closes the producer gracefully: an open transaction is aborted. */
  private void closeProducer() {
    if (producer == null) {
      return;
    }
    try {
      if (inTransaction) {
        producer.abortTransaction();
      }
    } catch (RuntimeException e) {
      LOG.debug("relay {}: aborting the open transaction on stop failed", config.transactionalId, e);
    }
    discardProducer();
  }

  /** Closes the producer without waiting; whatever it had open is left to the next producer. */
  private void discardProducer() {
    KafkaProducer<String, byte[]> p = producer;
    producer = null;
    inTransaction = false;
    if (p != null) {
      try {
        p.close(Duration.ZERO);
      } catch (RuntimeException e) {
        LOG.debug("relay {}: closing the producer failed", config.transactionalId, e);
      }
    }
  }

  private double eventsBehind() {
    try {
      return store.countAfter(position);
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }
}
