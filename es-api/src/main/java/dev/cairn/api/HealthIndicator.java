package dev.cairn.api;

/** A component that can tell its {@link Health}: a store, a relay, a projection runner. */
@FunctionalInterface
public interface HealthIndicator {

  /**
   * Returns the component's health now. Cheap enough to call on every health request: it reads
   * what the component already knows and runs no query that could hang.
   *
   * @return the health
   */
  Health health();
}
