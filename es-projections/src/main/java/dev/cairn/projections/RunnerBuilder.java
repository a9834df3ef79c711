package dev.cairn.projections;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.spi.Checks;
import dev.cairn.api.spi.SetOnce;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What every runner's builder sets, whichever source the runner reads: the failure policy, when
 * it reports itself stale and the OpenTelemetry that traces it. Each setter checks its argument at
 * once, refuses a second call (naming the value set first) and returns the concrete builder, so
 * that calls chain.
 *
 * @param <B> the concrete builder
 */
public abstract sealed class RunnerBuilder<B extends RunnerBuilder<B>>
    permits StoreProjectionRunner.Builder, KafkaProjectionRunner.Builder {

  final Projection projection;
  final ProjectionManager manager;
  /** The settings made so far, this class's and the concrete builder's. */
  final SetOnce set = new SetOnce();
  FailurePolicy policy = FailurePolicy.defaults();
  Duration staleAfter = RunnerLiveness.DEFAULT_STALE_AFTER;
  @Nullable OpenTelemetry openTelemetry;

  RunnerBuilder(Projection projection, ProjectionManager manager) {
    this.projection = requireNonNull(projection, "projection");
    this.manager = manager;
  }

  /** This builder, as its own type. */
  abstract B self();

  /**
   * Sets the OpenTelemetry that traces each event applied (default: {@link
   * io.opentelemetry.api.GlobalOpenTelemetry}'s instance when the runner is built, or the no-op
   * one if none was set, which records nothing).
   *
   * @param value the OpenTelemetry
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public B openTelemetry(OpenTelemetry value) {
    this.openTelemetry = set.once("OpenTelemetry", value);
    return self();
  }

  /**
   * Sets the failure policy (default {@link FailurePolicy#defaults()}).
   *
   * @param value the policy
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public B failurePolicy(FailurePolicy value) {
    this.policy = set.once("failure policy", value);
    return self();
  }

  /**
   * Sets how old the oldest unapplied event may get before the runner reports itself {@link
   * dev.cairn.api.Health.Status#DEGRADED} (default 30 s).
   *
   * @param value the bound
   * @return this builder
   * @throws IllegalStateException if already set
   * @throws IllegalArgumentException if not positive
   */
  public B staleAfter(Duration value) {
    this.staleAfter = set.once("stale after", Checks.positive("stale after", value));
    return self();
  }
}
