package dev.cairn.spring;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * The {@code cairn.*} properties. Every setter checks its value at once, so that a bad value stops
 * the application at startup with a message that names the property, the value and the rule.
 */
@ConfigurationProperties("cairn")
public class CairnProperties {

  @NestedConfigurationProperty
  private final StoreProperties store = new StoreProperties();
  @NestedConfigurationProperty
  private final RelayProperties relay = new RelayProperties();
  @NestedConfigurationProperty
  private final ProjectionsProperties projections = new ProjectionsProperties();
  private final Map<String, AggregateProperties> aggregates = new LinkedHashMap<>();
  private final HealthMapping health = new HealthMapping();
  @NestedConfigurationProperty
  private final AdminProperties admin = new AdminProperties();

  /**
   * Returns the event store's settings.
   *
   * @return the settings
   */
  public StoreProperties getStore() {
    return store;
  }

  /**
   * Returns the relay's settings.
   *
   * @return the settings
   */
  public RelayProperties getRelay() {
    return relay;
  }

  /**
   * Returns the projection runners' settings.
   *
   * @return the settings
   */
  public ProjectionsProperties getProjections() {
    return projections;
  }

  /**
   * Returns the per-aggregate repository settings, keyed by stream type.
   *
   * @return the settings
   */
  public Map<String, AggregateProperties> getAggregates() {
    return aggregates;
  }

  /**
   * Returns how Cairn's health maps to Actuator's.
   *
   * @return the settings
   */
  public HealthMapping getHealth() {
    return health;
  }

  /**
   * Returns the admin API's settings.
   *
   * @return the settings
   */
  public AdminProperties getAdmin() {
    return admin;
  }







  /** How Cairn's health maps to Actuator's. */
  public static class HealthMapping {
    /** Actuator status for a DEGRADED component (UP, or a custom status the application orders in management.endpoint.health.status.order). */
    private String degradedStatus = "UP";

    /**
     * Returns the status a DEGRADED component reports.
     *
     * @return the status code
     */
    public String getDegradedStatus() {
      return degradedStatus;
    }

    /**
     * Sets the status a DEGRADED component reports.
     *
     * @param degradedStatus a status code such as {@code UP} or {@code DEGRADED}
     * @throws IllegalArgumentException if blank
     */
    public void setDegradedStatus(String degradedStatus) {
      if (degradedStatus.isBlank()) {
        throw new IllegalArgumentException("cairn.health.degraded-status must not be blank");
      }
      this.degradedStatus = degradedStatus.strip();
    }
  }

}
