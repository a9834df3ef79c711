package dev.cairn.projections;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A runner's counts and meters, tagged with its projection's name and version: events applied
 * (in total and per second), batch latency, commits the compare-and-set rejected, events parked
 * and the lag per source partition. The runner's thread records; any thread may read.
 */
final class RunnerMetrics {

  private final ProjectionSpec spec;
  private final ProjectionManager manager;
  private final Tags tags;
  private final Counter eventsCounter;
  private final Counter rejectedCounter;
  private final Timer batchTimer;
  private final AtomicLong parked;
  private final AtomicLong applied = new AtomicLong();
  private final EventRate rate = new EventRate();
  private final Map<String, AtomicLong> lag = new ConcurrentHashMap<>();

  RunnerMetrics(ProjectionSpec spec, ProjectionManager manager) {
    this.spec = spec;
    this.manager = manager;
    MeterRegistry meters = manager.meterRegistry();
    this.tags = Tags.of("projection", spec.name(), "version", Integer.toString(spec.version()));
    this.eventsCounter =
        Counter.builder("cairn.projection.events").description("Events applied").tags(tags).register(meters);
    this.rejectedCounter =
        Counter.builder("cairn.projection.commits.rejected")
            .description("Batches rolled back because the runner no longer owned its checkpoint")
            .tags(tags)
            .register(meters);
    this.batchTimer =
        Timer.builder("cairn.projection.batch")
            .description("Batches: read, apply and commit")
            .tags(tags)
            .register(meters);
    this.parked = manager.gauge("cairn.projection.parked", tags, "Events parked or held in the dead-letter table");
  }

  /** Returns the tags of the runner's meters. */
  Tags tags() {
    return tags;
  }

  /** Records the time a batch took: read, apply and commit. */
  void batch(long nanos) {
    batchTimer.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Counts applied and parked events of a committed batch. */
  void committed(BatchApplier.Outcome outcome) {
    applied.addAndGet(outcome.applied());
    eventsCounter.increment(outcome.applied());
    if (outcome.parked() > 0) {
      refreshParked();
    }
    rate.add(outcome.applied());
  }

  /** Counts a commit that the compare-and-set rejected. */
  void rejected() {
    rejectedCounter.increment();
  }

  /** Sets the lag of one source partition, registering its gauge on first use. */
  void lag(String partition, long value) {
    lag.computeIfAbsent(
            partition,
            p -> manager.gauge("cairn.projection.lag", tags.and("partition", p), "Events of the source not yet applied"))
        .set(value);
  }

  /** Drops the lag of a partition the runner no longer reads (its gauge reads 0). */
  void forgetLag(String partition) {
    AtomicLong holder = lag.remove(partition);
    if (holder != null) {
      holder.set(0);
    }
  }

  /** Returns the lag per source partition, sorted by partition. */
  Map<String, Long> lags() {
    Map<String, Long> lags = new TreeMap<>();
    lag.forEach((k, v) -> lags.put(k, v.get()));
    return lags;
  }

  /** Counts the parked events again; if the dead letters cannot be read, returns the last count. */
  long refreshParked() {
    try {
      long n = manager.deadLetters().count(spec);
      parked.set(n);
      return n;
    } catch (RuntimeException e) {
      return parked.get();
    }
  }

  /** Returns the last count of parked events. */
  long parked() {
    return parked.get();
  }

  /** Returns the total of events applied since start. */
  long applied() {
    return applied.get();
  }

  /** Returns the events applied per second lately. */
  double rate() {
    return rate.current();
  }
}
