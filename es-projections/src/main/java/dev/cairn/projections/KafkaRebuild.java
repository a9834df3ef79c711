package dev.cairn.projections;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A projection version being built from the retained Kafka topics while the active version serves
 * readers: a blue/green rebuild that needs no event store, as on a read side built with {@link
 * ProjectionManager#readSide}. The new version's Kafka-fed runner reads every partition from
 * offset 0 in a consumer group of its own; when it has caught up, {@link #switchOver()} switches
 * readers to it in one transaction, retires the old version (its runners, in any process, are
 * fenced by the compare-and-set on their offsets and stop) and drops the old version's tables.
 * The runner then keeps the new version current: it is the new version's first ordinary runner,
 * and further instances join its consumer group.
 *
 * <pre>{@code
 * KafkaRebuild rebuild = KafkaRebuild.start(projections, summariesV2,
 *     Map.of("bootstrap.servers", servers, "group.id", "order-summaries-v2"), List.of("order"), b -> {});
 * Map<TopicPartition, Long> at = rebuild.switchOver(Duration.ofMinutes(10));
 * }</pre>
 *
 * <p>Kafka must still hold every event: the relay's topics keep them forever by default
 * ({@code retention.ms=-1}); a topic with a shorter retention or compaction cannot rebuild a read
 * model.
 */
public final class KafkaRebuild {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaRebuild.class);

  private final ProjectionManager manager;
  private final Projection next;
  private final KafkaProjectionRunner runner;

  private KafkaRebuild(ProjectionManager manager, Projection next, KafkaProjectionRunner runner) {
    this.manager = manager;
    this.next = next;
    this.runner = runner;
  }

  /**
   * Installs a newer version of a projection and starts a Kafka-fed runner that builds its tables
   * from offset 0 of the topics, while the active version keeps serving. The runner's consumer
   * group is the config's {@code group.id}, which must not be the active version's group (the two
   * versions would split the partitions); without one it is {@code <name>-v<version>}.
   *
   * @param manager the manager (with or without an event store)
   * @param next the new version
   * @param consumerConfig Kafka consumer settings, passed through (bootstrap servers at least)
   * @param topics the topics the projection reads
   * @param configure further settings of the rebuilding runner (batch size defaults to 1000)
   * @return the rebuild, its runner started
   * @throws ProjectionException if the version is not newer than the active one
   */
  public static KafkaRebuild start(
      ProjectionManager manager, Projection next, Map<String, Object> consumerConfig, Collection<String> topics,
      Consumer<KafkaProjectionRunner.Builder> configure) {
    requireNonNull(manager, "manager");
    requireNonNull(next, "next");
    requireNonNull(consumerConfig, "consumerConfig");
    requireNonNull(configure, "configure");
    ProjectionSpec spec = next.spec();
    OptionalInt active = manager.activeVersion(spec.name());
    if (active.isPresent() && active.getAsInt() >= spec.version()) {
      throw ProjectionException.of(
          "rebuild of " + spec + " needs a version above the active one, " + active.getAsInt());
    }
    Map<String, Object> config = new HashMap<>(consumerConfig);
    config.putIfAbsent(ConsumerConfig.GROUP_ID_CONFIG, spec.name() + "-v" + spec.version());
    manager.install(next);
    KafkaProjectionRunner.Builder builder = manager.kafkaRunner(next, config, topics);
    configure.accept(builder);
    KafkaProjectionRunner runner = builder.maxBatchRecordsUnlessSet(1000).build();
    runner.start();
    LOG.info(
        "projection {} is rebuilding from offset 0 of {} in group {} while version {} serves",
        spec, topics, config.get(ConsumerConfig.GROUP_ID_CONFIG), active.isPresent() ? active.getAsInt() : "none");
    return new KafkaRebuild(manager, next, runner);
  }

  /**
   * Returns the runner that builds (and after the switch keeps current) the new version.
   *
   * @return the runner
   */
  public KafkaProjectionRunner runner() {
    return runner;
  }

  /**
   * Returns the new version.
   *
   * @return its spec
   */
  public ProjectionSpec spec() {
    return next.spec();
  }

  /**
   * Waits until the new version has applied every record of its partitions that a read begun
   * after this call found (its lag was zero on every partition).
   *
   * @param timeout the longest wait
   * @return true if caught up
   */
  public boolean awaitCaughtUp(Duration timeout) {
    return runner.awaitCaughtUp(timeout);
  }

  /**
   * Waits until the new version has caught up, then switches readers to it (see {@link
   * #switchOver()}).
   *
   * @param timeout the longest wait for catching up
   * @return the new version's next offset per partition at the switch
   * @throws ProjectionException if it did not catch up in time
   */
  public Map<TopicPartition, Long> switchOver(Duration timeout) {
    if (!runner.awaitCaughtUp(timeout)) {
      throw ProjectionException.of(
          "projection " + next.spec() + " did not catch up within " + timeout + ": " + runner.status());
    }
    return switchOver();
  }

  /**
   * Switches readers to the new version now, between two of its batches (its runner paused), in
   * one transaction that also retires the old version and fences its runners; then drops the old
   * version's tables. The offsets returned are the new version's, read in the switch's transaction
   * while no batch of it is in flight in any process: its tables held exactly the records before
   * them when readers switched. If the runner was paused by the caller it stays paused.
   *
   * @return the new version's next offset per partition at the switch
   * @throws ProjectionException if the new version was abandoned or retired meanwhile
   */
  public Map<TopicPartition, Long> switchOver() {
    boolean pausedHere = runner.state() != RunnerState.PAUSED;
    if (pausedHere) {
      runner.pause();
    }
    try {
      // Read in the switch's transaction, with no batch of the new version in flight in any
      // process (the version's exclusive lock): the offsets are those of the tables switched to.
      Map<TopicPartition, Long> at = new TreeMap<>(BY_PARTITION);
      manager.switchTo(next.spec(), h -> {
        Sql.lockVersion(h, next.spec(), true);
        at.clear();
        at.putAll(offsets(h));
      });
      LOG.info("projection {} built from Kafka is active; readers switched at offsets {}", next.spec(), at);
      return at;
    } finally {
      if (pausedHere) {
        runner.resume();
      }
    }
  }

  /**
   * Gives the rebuild up: stops its runner and drops the new version's tables, offsets and dead
   * letters. The active version is untouched.
   *
   * @throws ProjectionException if the new version was already switched to
   */
  public void abandon() {
    if (manager.status(next.spec()).filter("ACTIVE"::equals).isPresent()) {
      // Its runner now keeps the serving version current: it must not be stopped here.
      throw ProjectionException.of("projection " + next.spec() + " is active; a rebuild that switched cannot be abandoned");
    }
    runner.stop();
    manager.abandon(next.spec());
  }

  private static final String OFFSETS =
      "SELECT topic, partition, next_offset FROM %s WHERE name = :name AND version = :version";

  /** A partition's next offset as stored. */
  private record Offset(TopicPartition partition, long next) {}

  private static final Comparator<TopicPartition> BY_PARTITION =
      Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

  /** Reads the new version's offsets; a partition not read yet (-1) is at 0. */
  private Map<TopicPartition, Long> offsets(Handle h) {
    Map<TopicPartition, Long> offsets = new TreeMap<>(BY_PARTITION);
    h.createQuery(OFFSETS.formatted(manager.sql().offsets))
        .bind("name", next.spec().name())
        .bind("version", next.spec().version())
        .map((rs, ctx) -> new Offset(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3)))
        .forEach(o -> offsets.put(o.partition(), Math.max(0, o.next())));
    return offsets;
  }
}
