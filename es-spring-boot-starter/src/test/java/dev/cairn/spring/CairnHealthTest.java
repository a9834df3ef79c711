package dev.cairn.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.api.Health;
import dev.cairn.spring.internal.CairnHealth;
import dev.cairn.spring.internal.RelayLifecycle;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.SmartLifecycle;

/** How Cairn's health model maps to Actuator's, and the order of the lifecycles. */
class CairnHealthTest {

  private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

  private static Health degraded() {
    return Health.of("relay r1", List.of(new Health.Cause("stale", Health.Status.DEGRADED, "oldest unpublished event is 42 s old", T)), T);
  }

  @Test
  void degraded_isUpByDefault_withTheCauseInTheDetails() {
    var health = new CairnHealth(CairnHealthTest::degraded, "UP", () -> Map.of("state", "ACTIVE")).health();

    assertThat(health.getStatus()).isEqualTo(Status.UP);
    assertThat(health.getDetails()).containsEntry("cairnStatus", "DEGRADED").containsEntry("state", "ACTIVE");
    assertThat(health.getDetails().get("causes").toString()).contains("stale").contains("oldest unpublished event is 42 s old");
  }

  @Test
  void degraded_canBeACustomStatusTheApplicationOrders() {
    var health = new CairnHealth(CairnHealthTest::degraded, "DEGRADED", Map::of).health();

    assertThat(health.getStatus()).isEqualTo(new Status("DEGRADED"));
  }

  @Test
  void down_isDown_andUp_isUp() {
    Health down = Health.of("store", List.of(new Health.Cause("db", Health.Status.DOWN, "connection refused", T)), T);
    assertThat(new CairnHealth(() -> down, "UP", Map::of).health().getStatus()).isEqualTo(Status.DOWN);
    assertThat(new CairnHealth(() -> Health.of("store", List.of(), T), "UP", Map::of).health().getStatus()).isEqualTo(Status.UP);
  }

  @Test
  void relayStartsBeforeRunners_andBothBeforeTheWebServer_soTheyStopAfterIt() {
    // Spring Boot's web server starts at DEFAULT_PHASE - 2048 and drains requests at DEFAULT_PHASE - 1024;
    // lower phases start earlier and stop later.
    assertThat(RelayLifecycle.PHASE).isLessThan(CairnProjections.PHASE);
    assertThat(CairnProjections.PHASE).isLessThan(SmartLifecycle.DEFAULT_PHASE - 2048);
  }
}
