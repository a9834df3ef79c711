package dev.cairn.bus.kafka.internal;

import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.bus.kafka.RelayStatus;
import dev.cairn.bus.kafka.RelayStatus.State;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.store.jdbc.spi.WarnOnce;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's thread: waits for the lock, then publishes batches until it stops, loses the lock
 * or is fenced, retrying failures with a growing pause. Everything but {@link #status()}, {@link
 * #wake()} and {@link #stop()} runs on that one thread. Public only so that {@link KafkaRelay},
 * the facade in the API package, can start it; not API.
 */
public final class RelayLoop {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaRelay.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  /**
   * Added to the transaction timeout before an open transaction the coordinator does not track is
   * judged hanging: covers the coordinator's abort sweep and clock differences between hosts.
   */
  private static final Duration HANGING_MARGIN = Duration.ofSeconds(10);

  private enum Outcome { STOPPING, FENCED, LOCK_LOST }

  private final RelaySettings settings;
  private final String id;
  private final JdbcEventStore store;
  private final AdvisoryLock lock;
  private final Semaphore wakeUps = new Semaphore(0);
  private final CountDownLatch stopping = new CountDownLatch(1);
  private final Thread thread;
  private final WarnOnce warn = new WarnOnce(LOG);
  private final RelayMetrics metrics;
  private final MonitoredPosition monitored;
  private final RelayProducer producer;

  private volatile State state = State.STOPPED;
  private volatile GlobalPosition position = GlobalPosition.START;
  private volatile String lastError;
  private JdbcEventStore.AppendSubscription listener;

  // Made on the relay's thread: start() returns at once, and status() reports what fails there.
  private TopicAdmin admin;
  private HangingCheck hanging;
  private BatchPublisher publisher;
  private RelayResume resume;

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
    this.metrics = new RelayMetrics(settings.meters(), id, store, () -> position);
    this.monitored = new MonitoredPosition(store, id, warn);
    this.producer = new RelayProducer(settings.producerSettings(), id);
  }

  /** Subscribes to the store's appends and starts the relay's thread. */
  public void start() {
    state = State.STANDBY;
    store.addAppendListener(result -> wake());
    if (settings.listen()) {
      listener = store.listenForAppends(this::wake, "cairn-relay-listen-" + id);
    }
    thread.start();
  }

  /**
   * Tells what the relay is doing.
   *
   * @return its state, the last position it committed to Kafka and its last error
   */
  public RelayStatus status() {
    return new RelayStatus(state, position, lastError);
  }

  /** Makes the relay read the store again now, instead of at its next poll. */
  public void wake() {
    // One pending permit is enough to make the loop read again; more would only spin it.
    if (wakeUps.availablePermits() == 0) {
      wakeUps.release();
    }
  }

  /** Stops the relay's thread, waits for it to end and frees what it leaves. */
  public void stop() {
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
      producer.discard();
    }
    if (listener != null) {
      listener.close();
    }
    metrics.remove();
  }

  private boolean stopRequested() {
    return stopping.getCount() == 0;
  }

  private void run() {
    try {
      admin = new TopicAdmin(KafkaSettings.admin(settings.rawSettings(), id + "-admin"), ADMIN_TIMEOUT);
      hanging = new HangingCheck(
          new HangingTransactions(admin, settings.transactionTimeout().plus(HANGING_MARGIN), ADMIN_TIMEOUT), metrics, id);
      publisher = new BatchPublisher(settings, admin, producer, hanging);
      resume = new RelayResume(settings, admin, producer, hanging);
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
      if (pause(settings.pollInterval())) {
        return false;
      }
    }
    return false;
  }

  private Outcome publishUntilDone() {
    long backoff = settings.initialBackoff().toMillis();
    while (!stopRequested()) {
      try {
        if (!producer.isOpen()) {
          position = resume.resume();
        }
        if (!lock.isHeld()) {
          return Outcome.LOCK_LOST;
        }
        if (hanging.due()) {
          hanging.abortHanging("a transaction open on them was too recent to judge at the last check");
        }
        List<RecordedEvent> batch = publisher.read(position);
        if (!batch.isEmpty()) {
          BatchPublisher.Published published = publisher.publish(batch);
          position = published.last();
          metrics.batchPublished(published);
        }
        succeeded();
        backoff = settings.initialBackoff().toMillis();
        // Off the hot path: while events keep coming, at most once a second; when idle, at once.
        monitored.record(position, batch.isEmpty());
        if (batch.size() < settings.batchSize()) {
          awaitWork();
        }
      } catch (RuntimeException e) {
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
        if (pause(Duration.ofMillis(backoff))) {
          break;
        }
        backoff = Math.min(backoff * 2, settings.maxBackoff().toMillis());
      }
    }
    return Outcome.STOPPING;
  }

  private void awaitWork() {
    try {
      wakeUps.tryAcquire(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
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
      LOG.info("relay {} recovered at position {}", id, position);
      lastError = null;
    }
    warn.clear();
  }

  private void failed(String what, RuntimeException e) {
    metrics.error();
    lastError = warn.report("relay " + id + ": " + what, e);
  }
}
