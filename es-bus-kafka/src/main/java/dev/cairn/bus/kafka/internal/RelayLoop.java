package dev.cairn.bus.kafka.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.Health;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.bus.kafka.RelayStatus;
import dev.cairn.bus.kafka.RelayStatus.State;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.store.jdbc.spi.PositionAheadCheck;
import dev.cairn.store.jdbc.spi.WarnOnce;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.common.KafkaException;
import org.jdbi.v3.core.JdbiException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's thread: waits for the lock, then publishes batches until it stops, loses the lock
 * or is fenced, retrying failures with a growing pause. Everything but {@link #status()}, {@link
 * #wake()} and {@link #stop()} runs on that one thread, except the read of the next batch while a
 * batch commits ({@link BatchPrefetch}), which only reads the database. Public only so that {@link KafkaRelay},
 * the facade in the API package, can start it; not API.
 */
public final class RelayLoop implements RelayWatchdog.Watched {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaRelay.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  /**
   * Added to the transaction timeout before an open transaction the coordinator does not track is
   * judged hanging: covers the coordinator's abort sweep and clock differences between hosts.
   */
  static final Duration HANGING_MARGIN = Duration.ofSeconds(10);

  private enum Outcome { STOPPING, FENCED, LOCK_LOST }

  /** The health cause of a relay that is not running. */
  private static final String STOPPED = "stopped";
  /** The health cause of a position the database has not reached (docs/global-order.md). */
  static final String BACKWARDS = "transaction-ids-backwards";

  private final RelaySettings settings;
  private final String id;
  private final JdbcEventStore store;
  private final AdvisoryLock lock;
  private final RelayWaits waits = new RelayWaits();
  private final Thread thread;
  private final WarnOnce warn = new WarnOnce(LOG);
  private final RelayMetrics metrics;
  private final MonitoredPosition monitored;
  private final RelayProducer producer;
  private final RelayOwner owner;
  private final RelayHealth health;
  private final RelayWatchdog watchdog;

  private volatile State state = State.STOPPED;
  private volatile GlobalPosition position = GlobalPosition.START;
  /** Whether {@link #position} was read from Kafka by this relay while it holds the lock. */
  private volatile boolean positionKnown;
  private volatile @Nullable String lastError;
  /** When the Kafka call in progress began ({@link System#nanoTime()}), 0 if none is; for the watchdog. */
  private volatile long kafkaCallSince;
  private volatile String kafkaCall = "";
  private volatile boolean started;
  private final Instant created = Instant.now();
  private @Nullable PositionAheadCheck aheadCheck;
  private JdbcEventStore.@Nullable AppendSubscription listener;

  // Made on the relay's thread: start() returns at once, and status() reports what fails there.
  // Null until run() made them (prefetch stays null without read-ahead).
  private @Nullable TopicAdmin admin;
  private @Nullable HangingCheck hanging;
  private @Nullable BatchPublisher publisher;
  private @Nullable RelayResume resume;
  private @Nullable BatchPrefetch prefetch;
  /** The read of the batch after the one in flight (or just committed); null if none runs. */
  private BatchPrefetch.@Nullable Pending pending;
  /** When the lock was last checked outside a prefetch ({@link System#nanoTime()}). */
  private long lockCheckedAt;

  /**
   * Prepares the relay's thread and registers its meters; {@link #start()} starts it.
   *
   * @param settings the relay's configuration
   */
  public RelayLoop(RelaySettings settings) {
    this.settings = settings;
    this.id = settings.transactionalId();
    this.store = settings.store();
    this.lock = new AdvisoryLock(store.jdbi(), store.qualifiedTable("events"));
    this.thread = new Thread(this::run, "cairn-relay-" + id);
    thread.setDaemon(true);
    String component = "relay " + id;
    this.health = new RelayHealth(component, settings.stalenessBound());
    this.metrics = new RelayMetrics(settings.meters(), id, store, () -> position, health, component);
    this.monitored = new MonitoredPosition(store, id, warn);
    this.producer = new RelayProducer(settings.producerSettings(), id);
    this.owner = new RelayOwner(settings);
    this.watchdog = new RelayWatchdog(settings, this, health, metrics);
  }

  /** Subscribes to the store's appends and starts the relay's thread. */
  public void start() {
    state = State.STANDBY;
    started = true;
    store.addAppendListener(result -> wake());
    if (settings.listen()) {
      listener = store.listenForAppends(this::wake, "cairn-relay-listen-" + id);
    }
    thread.start();
    watchdog.start();
  }

  /**
   * Tells what the relay is doing.
   *
   * @return its state, the last position it committed to Kafka and its last error
   */
  public RelayStatus status() {
    return new RelayStatus(state, position, lastError, health.staleness());
  }

  /**
   * Tells the relay's health from what it knows (no query): DOWN while it cannot reach Kafka, a
   * record was rejected, a check failed or it is stopped; DEGRADED while its staleness exceeds the
   * bound; each cause named.
   *
   * @return the health
   */
  public Health health() {
    if (!started) {
      return Health.of(
          health.tracker().health().component(),
          List.of(new Health.Cause(STOPPED, Health.Status.DOWN, "relay " + id + " was not started", created)),
          created);
    }
    return health.health();
  }

  @Override
  public @Nullable GlobalPosition knownPosition() {
    return positionKnown ? position : null;
  }

  @Override
  public long kafkaCallSince() {
    return kafkaCallSince;
  }

  @Override
  public String kafkaCall() {
    return kafkaCall;
  }

  @Override
  public void stallReported(String description) {
    lastError = description;
  }

  /** Makes the relay read the store again now, instead of at its next poll. */
  public void wake() {
    waits.wake();
  }

  /** Stops the relay's thread, waits for it to end and frees what it leaves. */
  public void stop() {
    waits.stop();
    if (thread.isAlive() && Thread.currentThread() != thread) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    watchdog.stop();
    if (!thread.isAlive()) {
      // After a crash the producer was left as a dead process would leave it; free it now.
      producer.discard();
    }
    if (listener != null) {
      listener.close();
    }
    metrics.remove();
  }

  private void run() {
    try {
      admin = new TopicAdmin(KafkaSettings.admin(settings.rawSettings(), id + "-admin"), ADMIN_TIMEOUT);
      hanging = new HangingCheck(
          new HangingTransactions(admin, settings.transactionTimeout().plus(HANGING_MARGIN), ADMIN_TIMEOUT), metrics, health,
          id);
      publisher = new BatchPublisher(settings, admin, producer, hanging);
      resume = new RelayResume(settings, admin, producer, hanging);
      prefetch =
          settings.readAhead()
              ? new BatchPrefetch(
                  publisher, settings.batchSize(), waits.wakeUps(), lock::isHeld, settings.afterPrefetch(), id)
              : null;
      LOG.info("relay {} on standby, waiting for the lock of store {}", id, store.qualifiedTable("events"));
      while (awaitLock()) {
        state = State.ACTIVE;
        LOG.info("relay {} is active", id);
        Outcome outcome;
        try {
          outcome = publishUntilDone();
        } catch (Error crash) {
          // A crash (or a test's simulated one): leave Kafka exactly as it is, as a dead process
          // would; only give up the lock, as the end of its session would.
          lock.release();
          throw crash;
        }
        producer.close();
        if (outcome == Outcome.STOPPING) {
          // A fenced relay or one that lost its lock leaves the copy to its successor.
          monitored.record(position, true);
        }
        lock.release();
        if (outcome == Outcome.STOPPING) {
          break;
        }
        state = State.STANDBY;
        positionKnown = false;
        health.succeeded();
        health.checksPassed();
        // A standby relay no longer watches the partitions; its successor raises it again.
        health.tracker().clear(RelayHealth.PARTIALLY_COMMITTED);
        LOG.info(
            "relay {} on standby: {}", id,
            outcome == Outcome.FENCED ? "another relay with the same transactional id fenced it" : "its lock's session ended");
      }
      LOG.info("relay {} stopped at position {}", id, position);
    } catch (Throwable t) {
      // The thread ends here; status() reports the crash and close() frees what is left.
      lastError = WarnOnce.describe("relay crashed", t);
      LOG.error("relay {} crashed at position {}", id, position, t);
    } finally {
      state = State.STOPPED;
      positionKnown = false;
      health.checksPassed();
      health.tracker().raise(
          STOPPED, Health.Status.DOWN, lastError != null && lastError.startsWith("relay crashed")
              ? lastError : "relay " + id + " was stopped");
      if (prefetch != null) {
        prefetch.close();
      }
      if (admin != null) {
        admin.close();
      }
    }
  }

  /** Waits until this relay holds the lock; false if asked to stop first. */
  private boolean awaitLock() {
    while (!waits.stopRequested()) {
      try {
        boolean acquired = lock.tryAcquire();
        health.tracker().clear(RelayHealth.STORE_ERROR);
        if (acquired) {
          lockCheckedAt = System.nanoTime();
          return true;
        }
      } catch (RuntimeException e) {
        failed("taking the relay lock", e);
      }
      if (waits.pause(settings.pollInterval())) {
        return false;
      }
    }
    return false;
  }

  private Outcome publishUntilDone() {
    try {
      return publishBatches();
    } finally {
      // Also on a crash: the lock is released next, and the prefetch may be using its connection.
      discardPrefetch();
    }
  }

  private Outcome publishBatches() {
    // run() made them before it took the lock.
    HangingCheck hanging = requireNonNull(this.hanging, "hanging");
    BatchPublisher publisher = requireNonNull(this.publisher, "publisher");
    RelayResume resume = requireNonNull(this.resume, "resume");
    long backoff = settings.initialBackoff().toMillis();
    while (!waits.stopRequested()) {
      try {
        if (!producer.isOpen()) {
          discardPrefetch();
          owner.claim();
          position = kafkaCall("opening the producer and reading the position from " + settings.positionTopic(),
              resume::resume);
          positionKnown = true;
          checkPositionNotAhead(true);
        }
        if (hanging.due()) {
          // Inside kafkaCall: a broker gone meanwhile blocks the admin requests, as the watchdog tells.
          kafkaCall("looking for hanging transactions", () -> hanging.abortHanging("a topic new to the relay, or a"
              + " transaction open on its topics that was too recent to judge at the last check"));
        }
        BatchPublisher.Prepared batch = nextBatch(publisher);
        if (batch == null) {
          return Outcome.LOCK_LOST;
        }
        if (batch.isEmpty()) {
          checkPositionNotAhead(false);
        } else {
          // While the commit blocks, the next batch is read after this one's last position.
          BatchPublisher.Published published =
              kafkaCall("publishing " + batch.size() + " events after position " + position,
                  () -> publisher.publish(batch, () -> {
                    if (prefetch != null) {
                      pending = prefetch.start(batch.last());
                    }
                  }));
          position = published.last();
          metrics.batchPublished(published);
        }
        succeeded();
        backoff = settings.initialBackoff().toMillis();
        // Off the hot path: while events keep coming, at most once a second; when idle, at once.
        monitored.record(position, batch.isEmpty());
        if (batch.isEmpty()) {
          waits.awaitWork(settings.pollInterval());
        } else if (prefetch == null && batch.size() < settings.batchSize()) {
          // A published batch left a prefetch running, which waits for appends itself; without
          // one, a batch short of full means the relay has caught up: it lingers for more to come
          // (reading next what came meanwhile, or waiting for a wake-up if nothing did), or waits.
          if (settings.linger().isZero()) {
            waits.awaitWork(settings.pollInterval());
          } else if (waits.pause(settings.linger())) {
            break;
          }
        }
      } catch (RelayCheckException e) {
        discardPrefetch();
        // Publishing cannot work (or would lose the position) until the configuration changes:
        // say so, hold on, and check again at the longest backoff.
        // The error and the health first: whoever sees FAILED must find the reason beside it.
        metrics.error();
        lastError = "relay " + id + " FAILED a check [" + e.code() + "]: " + e.getMessage();
        health.checkFailed(e.code(), e.getMessage());
        state = State.FAILED;
        if (waits.pause(settings.maxBackoff())) {
          break;
        }
      } catch (RuntimeException e) {
        // The batch in flight did not commit, or its outcome is unknown: what was read after it
        // must not be published; the relay starts over from the position committed in Kafka.
        discardPrefetch();
        if (RelayProducer.isFenced(e)) {
          lastError = warn.report("relay " + id + " was fenced", e);
          producer.discard();
          return Outcome.FENCED;
        }
        failed("publishing after position " + position, e);
        if (e instanceof KafkaException) {
          resume.recovering();
        }
        if (producer.isOpen() && (producer.inTransaction() || e instanceof KafkaException)) {
          // The transaction's outcome or the producer's state is unknown: start over with a new
          // producer, whose initTransactions completes or aborts it, and re-read the position.
          producer.discard();
        }
        if (e instanceof KafkaException && admin != null) {
          admin.forget();
        }
        if (waits.pause(Duration.ofMillis(backoff))) {
          break;
        }
        backoff = Math.min(backoff * 2, settings.maxBackoff().toMillis());
      }
    }
    return Outcome.STOPPING;
  }

  /**
   * The batch after {@link #position}: the one prefetched while the previous batch committed, or
   * one read now. Null if the relay lost its lock.
   */
  private BatchPublisher.@Nullable Prepared nextBatch(BatchPublisher publisher) {
    BatchPrefetch.Pending p = pending;
    pending = null;
    if (p != null && p.after().equals(position)) {
      BatchPrefetch.Result r = p.take();
      return r.lockHeld() ? r.batch() : null;
    }
    if (p != null) {
      p.discard();
    }
    // Each prefetch checks the lock while a commit runs; a relay woken from idle checks it at most
    // once per poll interval (a relay that lost it is fenced by Kafka anyway, see DESIGN.md).
    long now = System.nanoTime();
    if (now - lockCheckedAt >= settings.pollInterval().toNanos()) {
      if (!lock.isHeld()) {
        return null;
      }
      lockCheckedAt = now;
    }
    return publisher.readPrepared(position);
  }

  private void discardPrefetch() {
    BatchPrefetch.Pending p = pending;
    pending = null;
    if (p != null) {
      p.discard();
    }
  }

  /**
   * Goes FAILED instead of stalling when the relay's position lies beyond anything the database
   * has committed: after a restore from backup or an asynchronous failover, every new event gets a
   * transaction id below the position and would never be read. Checked when the position is read
   * from Kafka and, while nothing is read, every few seconds.
   */
  private void checkPositionNotAhead(boolean now) {
    if (aheadCheck == null) {
      aheadCheck = new PositionAheadCheck(store, Duration.ofSeconds(5));
    }
    // Between checks the last verdict stands, so the relay does not flip back to ACTIVE.
    java.util.Optional<String> ahead = aheadCheck.check(position, now);
    if (ahead.isPresent()) {
      throw new RelayCheckException(BACKWARDS, "the relay's position in " + settings.positionTopic() + ": " + ahead.get());
    }
  }

  /** Runs a Kafka call, telling the watchdog what it does and since when. */
  private <T> T kafkaCall(String what, Supplier<T> call) {
    kafkaCall = what;
    kafkaCallSince = System.nanoTime();
    try {
      return call.get();
    } finally {
      kafkaCallSince = 0;
    }
  }

  private void succeeded() {
    health.succeeded();
    if (state == State.FAILED) {
      state = State.ACTIVE;
      health.checksPassed();
      LOG.info("relay {}: its checks pass now, it publishes again", id);
    }
    if (lastError != null) {
      LOG.info("relay {} recovered at position {}", id, position);
      lastError = null;
    }
    warn.clear();
  }

  private void failed(String what, RuntimeException e) {
    metrics.error();
    String description = warn.report("relay " + id + ": " + what, e);
    lastError = description;
    if (e instanceof RecordRejectedException rejected) {
      health.tracker().raise(RelayHealth.RECORD_REJECTED, Health.Status.DOWN, rejected.getMessage());
    } else if (e instanceof KafkaException) {
      health.tracker().raise(RelayHealth.KAFKA_ERROR, Health.Status.DOWN, description);
    } else if (e instanceof JdbiException) {
      health.tracker().raise(RelayHealth.STORE_ERROR, Health.Status.DOWN, description);
    } else {
      health.tracker().raise(RelayHealth.RELAY_ERROR, Health.Status.DOWN, description);
    }
  }
}
