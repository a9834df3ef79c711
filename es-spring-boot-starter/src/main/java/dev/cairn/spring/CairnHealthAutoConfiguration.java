package dev.cairn.spring;

import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.bus.kafka.RelayStatus;
import dev.cairn.projections.ProjectionRunner;
import dev.cairn.projections.ProjectionStatus;
import dev.cairn.spring.internal.CairnHealth;
import dev.cairn.store.jdbc.JdbcEventStore;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;

/**
 * Actuator health for Cairn, when Spring Boot's health support is on the class path: one
 * contributor {@code cairn} with {@code store} (including the oldest transaction that holds the
 * global-order fence), {@code relay} and {@code projections/<name>} for each runner. Turn it off
 * with {@code management.health.cairn.enabled=false}.
 */
@AutoConfiguration(after = CairnAutoConfiguration.class)
@ConditionalOnClass(CompositeHealthContributor.class)
@ConditionalOnBean(JdbcEventStore.class)
@ConditionalOnEnabledHealthIndicator("cairn")
public class CairnHealthAutoConfiguration {

  /** Created by Spring Boot. */
  public CairnHealthAutoConfiguration() {}

  /**
   * The {@code cairn} health contributor.
   *
   * @param store the store
   * @param relays the relays (this application's, or its own)
   * @param projections the projection runners, if any
   * @param properties how DEGRADED maps
   * @return the contributor
   */
  @Bean
  @ConditionalOnMissingBean(name = "cairnHealthContributor")
  public CompositeHealthContributor cairnHealthContributor(
      JdbcEventStore store,
      ObjectProvider<KafkaRelay> relays,
      ObjectProvider<CairnProjections> projections,
      CairnProperties properties) {
    String degraded = properties.getHealth().getDegradedStatus();
    Map<String, HealthContributor> parts = new LinkedHashMap<>();
    parts.put("store", new CairnHealth(store, degraded, Map::of));
    relays.orderedStream().forEach(relay -> {
      String name = parts.containsKey("relay") ? "relay-" + relay.transactionalId() : "relay";
      parts.put(name, new CairnHealth(relay, degraded, () -> relayDetails(relay)));
    });
    CairnProjections runners = projections.getIfAvailable();
    if (runners != null && !runners.runners().isEmpty()) {
      Map<String, HealthContributor> each = new LinkedHashMap<>();
      runners.runners().forEach((name, runner) -> each.put(name, new CairnHealth(runner, degraded, () -> runnerDetails(runner))));
      parts.put("projections", CompositeHealthContributor.fromMap(each));
    }
    return CompositeHealthContributor.fromMap(parts);
  }

  private static Map<String, Object> relayDetails(KafkaRelay relay) {
    RelayStatus s = relay.status();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("transactionalId", relay.transactionalId());
    out.put("state", s.state().name());
    out.put("position", String.valueOf(s.position()));
    out.put("stalenessMs", s.staleness() == null ? null : s.staleness().toMillis());
    out.put("lastError", s.lastError());
    return out;
  }

  private static Map<String, Object> runnerDetails(ProjectionRunner runner) {
    ProjectionStatus s = runner.status();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("source", s.source());
    out.put("state", s.state().name());
    out.put("eventsApplied", s.eventsApplied());
    out.put("parked", s.parked());
    out.put("lag", s.lag());
    out.put("lastError", s.lastError());
    return out;
  }
}
