package dev.cairn.spring.internal;

import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.spring.CairnStartupException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the relay once the context is refreshed and stops it (committing or aborting its batch in
 * flight) before the {@code DataSource} closes: it starts first and stops last of Cairn's parts,
 * after the web server and the projection runners have stopped, so that the events of the last
 * requests are still published.
 */
public final class RelayLifecycle implements SmartLifecycle {

  /** Below the web server's phases and the runners', so it starts before and stops after them. */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

  private static final Logger LOG = LoggerFactory.getLogger(RelayLifecycle.class);

  private final KafkaRelay relay;
  private final @Nullable Map<String, Object> requireOnStart;
  private final Duration requireTimeout;
  private volatile boolean running;

  /**
   * Wraps a relay.
   *
   * @param relay the relay, not started
   * @param requireOnStart admin settings to check Kafka with before starting, or null not to check
   * @param requireTimeout how long that check waits
   */
  public RelayLifecycle(KafkaRelay relay, @Nullable Map<String, Object> requireOnStart, Duration requireTimeout) {
    this.relay = relay;
    this.requireOnStart = requireOnStart;
    this.requireTimeout = requireTimeout;
  }

  @Override
  public void start() {
    if (requireOnStart != null) {
      checkKafka(requireOnStart, requireTimeout);
    }
    relay.start(); // never waits for Kafka
    running = true;
    LOG.info("Cairn relay {} started", relay.transactionalId());
  }

  private static void checkKafka(Map<String, Object> admin, Duration timeout) {
    Map<String, Object> settings = new java.util.HashMap<>(admin);
    settings.putIfAbsent("request.timeout.ms", (int) timeout.toMillis());
    settings.putIfAbsent("default.api.timeout.ms", (int) timeout.toMillis());
    try (Admin client = Admin.create(settings)) {
      client.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
          .nodes()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw CairnStartupException.kafkaUnreachable(String.valueOf(admin.get("bootstrap.servers")), timeout, cause);
    } catch (TimeoutException | RuntimeException e) {
      throw CairnStartupException.kafkaUnreachable(String.valueOf(admin.get("bootstrap.servers")), timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CairnStartupException.kafkaUnreachable(String.valueOf(admin.get("bootstrap.servers")), timeout, e);
    }
  }

  @Override
  public void stop() {
    if (running) {
      relay.close();
      running = false;
      LOG.info("Cairn relay {} stopped", relay.transactionalId());
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
