package dev.cairn.store.jdbc.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.api.Health;
import dev.cairn.api.Health.Status;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HealthTrackerTest {

  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now.get();
        }
      };

  @Test
  void causes_setTheWorstStatus_keepTheirStart_andClearBackToUp() {
    HealthTracker tracker = new HealthTracker("relay", clock);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    tracker.bindTo(registry);
    assertThat(tracker.health().status()).isEqualTo(Status.UP);

    tracker.raise("fence-held", Status.DEGRADED, "held 5 s by pid 42");
    now.set(now.get().plusSeconds(10));
    tracker.raise("kafka-unreachable", Status.DOWN, "broker localhost:1 unreachable");
    now.set(now.get().plusSeconds(5));
    tracker.raise("fence-held", Status.DEGRADED, "held 20 s by pid 42");

    Health health = tracker.health();
    assertThat(health.status()).isEqualTo(Status.DOWN);
    assertThat(health.since()).isEqualTo(Instant.parse("2026-01-01T00:00:10Z"));
    assertThat(health.causes())
        .extracting(Health.Cause::code, Health.Cause::message, Health.Cause::since)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("fence-held", "held 20 s by pid 42", Instant.parse("2026-01-01T00:00:00Z")),
            org.assertj.core.groups.Tuple.tuple(
                "kafka-unreachable", "broker localhost:1 unreachable", Instant.parse("2026-01-01T00:00:10Z")));
    assertThat(registry.get("cairn.health.status").tag("component", "relay").gauge().value()).isEqualTo(2.0);

    assertThat(tracker.clear("kafka-unreachable")).isTrue();
    assertThat(tracker.health().status()).isEqualTo(Status.DEGRADED);
    assertThat(tracker.clear("fence-held")).isTrue();
    assertThat(tracker.clear("fence-held")).isFalse();
    assertThat(tracker.health().isUp()).isTrue();
    assertThat(registry.get("cairn.health.status").tag("component", "relay").gauge().value()).isEqualTo(0.0);
  }

  @Test
  void raise_withUp_isRejected() {
    HealthTracker tracker = new HealthTracker("relay", clock);
    assertThatThrownBy(() -> tracker.raise("x", Status.UP, "m"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x was UP");
  }
}
