package dev.cairn.spring;

import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.projections.FailurePolicy;
import dev.cairn.projections.KafkaProjectionRunner;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.ProjectionRunner;
import dev.cairn.projections.StoreProjectionRunner;
import dev.cairn.store.jdbc.spi.WarnOnce;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.context.SmartLifecycle;

/**
 * The runners of the application's {@link Projection} beans: each is installed when the context
 * is created, and its runner, store- or Kafka-fed as {@code cairn.projections.*} says, runs while
 * the context does. Runners start after the relay and stop before it; a Kafka-fed runner whose
 * topics this process's relay creates starts once they exist (a background thread retries while
 * Kafka does not answer, and the runner's health says so).
 */
public final class CairnProjections implements SmartLifecycle {

  /** Above the relay's phase and below the web server's: started after the relay, stopped before it. */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 3072;

  private static final Logger LOG = LoggerFactory.getLogger(CairnProjections.class);

  private final ProjectionManager manager;
  private final Map<String, ProjectionRunner> runners = new LinkedHashMap<>();
  private final Map<String, List<String>> kafkaTopics = new LinkedHashMap<>();
  private final @Nullable KafkaRelay relay;
  private final Object lock = new Object();
  private volatile boolean running;
  private @Nullable Thread starter;
  private boolean stopping;

  /**
   * Installs each projection and builds its runner.
   *
   * @param manager the projection manager (migrated)
   * @param projections the projections to run
   * @param properties the {@code cairn.projections.*} settings
   * @param defaultTopics the topics of a Kafka-fed runner that names none
   * @param consumer the Kafka consumer settings from {@code spring.kafka.*}
   * @param relay this process's relay, which creates the topics, or null
   * @param openTelemetry what the runners trace with (the store's)
   * @throws IllegalArgumentException if two projections share a name
   */
  public CairnProjections(
      ProjectionManager manager,
      List<Projection> projections,
      ProjectionsProperties properties,
      List<String> defaultTopics,
      Function<String, Map<String, Object>> consumer,
      @Nullable KafkaRelay relay,
      OpenTelemetry openTelemetry) {
    this.manager = manager;
    this.relay = relay;
    for (Projection projection : projections) {
      String name = projection.spec().name();
      if (runners.containsKey(name)) {
        throw new IllegalArgumentException("two Projection beans are named " + name + ": each projection needs its own name");
      }
      RunnerProperties own = properties.getNamed().getOrDefault(name, new RunnerProperties());
      manager.install(projection);
      FailurePolicy policy = policy(own, properties);
      Duration staleAfter = pick(own.getStaleAfter(), properties.getStaleAfter());
      ProjectionSource source = pick(own.getSource(), properties.getSource());
      if (source == ProjectionSource.KAFKA) {
        List<String> topics = !own.getTopics().isEmpty() ? own.getTopics() : !properties.getTopics().isEmpty() ? properties.getTopics() : defaultTopics;
        if (topics.isEmpty()) {
          throw new IllegalArgumentException(
              "projection " + name + " reads Kafka but has no topics: declare a CairnAggregate bean or set cairn.projections.named." + name + ".topics");
        }
        String group = Optional.ofNullable(own.getGroupId()).orElse("cairn-" + name + "-v" + projection.spec().version());
        Map<String, Object> config = new HashMap<>(consumer.apply(group));
        config.put("group.id", group);
        config.putIfAbsent("auto.offset.reset", "earliest");
        // The relay creates topics with its partition count; a consumer must never create them.
        config.putIfAbsent("allow.auto.create.topics", false);
        KafkaProjectionRunner.Builder builder = manager.kafkaRunner(projection, config, topics).failurePolicy(policy).openTelemetry(openTelemetry);
        PropertyMapper.get().from(staleAfter).to(builder::staleAfter);
        runners.put(name, builder.build());
        kafkaTopics.put(name, List.copyOf(topics));
      } else {
        StoreProjectionRunner.Builder builder = manager.storeRunner(projection).failurePolicy(policy).listenForNotifications(true)
            .openTelemetry(openTelemetry);
        PropertyMapper.get().from(staleAfter).to(builder::staleAfter);
        runners.put(name, builder.build());
      }
    }
  }

  private static FailurePolicy policy(RunnerProperties own, RunnerProperties all) {
    FailurePolicy.Builder b = FailurePolicy.builder();
    PropertyMapper map = PropertyMapper.get();
    map.from(pick(own.getMaxAttempts(), all.getMaxAttempts())).to(b::maxAttempts);
    Duration initial = pick(own.getInitialBackoff(), all.getInitialBackoff());
    Duration max = pick(own.getMaxBackoff(), all.getMaxBackoff());
    if (initial != null || max != null) {
      Duration first = initial != null ? initial : Duration.ofMillis(50);
      b.backoff(first, max != null ? max : first.compareTo(Duration.ofSeconds(1)) > 0 ? first : Duration.ofSeconds(1));
    }
    map.from(pick(own.getStreamWaitsBehindParked(), all.getStreamWaitsBehindParked())).to(b::streamWaitsBehindParked);
    return b.build();
  }

  private static <T> @Nullable T pick(@Nullable T own, @Nullable T all) {
    return own != null ? own : all;
  }

  /**
   * Returns the runners by projection name.
   *
   * @return the runners, in the order of the projection beans
   */
  public Map<String, ProjectionRunner> runners() {
    return Collections.unmodifiableMap(runners);
  }

  /**
   * Returns the projection manager, for rebuilds, replays and dead letters.
   *
   * @return the manager
   */
  public ProjectionManager manager() {
    return manager;
  }

  @Override
  public void start() {
    List<ProjectionRunner> later = new ArrayList<>();
    Set<String> topics = new LinkedHashSet<>();
    KafkaRelay creator = relay;
    for (Map.Entry<String, ProjectionRunner> e : runners.entrySet()) {
      if (creator != null && kafkaTopics.containsKey(e.getKey())) {
        later.add(e.getValue());
        topics.addAll(kafkaTopics.get(e.getKey()));
      } else {
        e.getValue().start();
      }
    }
    synchronized (lock) {
      stopping = false;
      if (creator != null && !later.isEmpty()) {
        Thread t = new Thread(() -> startWhenTopicsExist(creator, topics, later), "cairn-projection-starter");
        t.setDaemon(true);
        starter = t;
        t.start();
      }
    }
    running = true;
    LOG.info("Cairn projection runners started: {}", runners.keySet());
  }

  /**
   * The relay creates a topic when it first publishes to it; a runner subscribed before then would
   * only see it at its next metadata refresh, so the topics are created first (as the relay would),
   * retrying with backoff while Kafka does not answer.
   */
  private void startWhenTopicsExist(KafkaRelay creator, Set<String> topics, List<ProjectionRunner> later) {
    long backoffMs = 500;
    for (String topic : topics) {
      while (true) {
        try {
          creator.ensureTopic(topic);
          break;
        } catch (RuntimeException e) {
          LOG.info("waiting for Kafka to create topic {}: {}", topic, WarnOnce.describe("creating topic", e));
        }
        synchronized (lock) {
          if (stopping) {
            return;
          }
          try {
            lock.wait(backoffMs);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          if (stopping) {
            return;
          }
        }
        backoffMs = Math.min(backoffMs * 2, 10_000);
      }
    }
    synchronized (lock) {
      if (!stopping) {
        later.forEach(ProjectionRunner::start);
      }
    }
  }

  @Override
  public void stop() {
    Thread t;
    synchronized (lock) {
      stopping = true;
      lock.notifyAll();
      t = starter;
      starter = null;
    }
    if (t != null) {
      try {
        t.join(Duration.ofSeconds(35).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // Each runner finishes (or abandons, rolled back) its batch in flight and ends its thread.
    runners.values().forEach(ProjectionRunner::stop);
    running = false;
    LOG.info("Cairn projection runners stopped");
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
