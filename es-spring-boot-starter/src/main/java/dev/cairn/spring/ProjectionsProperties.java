package dev.cairn.spring;

import java.util.LinkedHashMap;
import java.util.Map;

/** The runners of the application's {@code Projection} beans. */
public class ProjectionsProperties extends RunnerProperties {
  /** Whether every Projection bean is installed and run. */
  private boolean enabled = true;
  /** Settings of one projection, by its name; unset values fall back to cairn.projections.*. */
  private final Map<String, RunnerProperties> named = new LinkedHashMap<>();

  /** Creates the defaults: store-fed runners. */
  public ProjectionsProperties() {
    setSource(ProjectionSource.STORE);
  }

  /**
   * Tells whether projections run.
   *
   * @return whether they run
   */
  public boolean isEnabled() {
    return enabled;
  }

  /**
   * Sets whether projections run.
   *
   * @param enabled true to run them
   */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /**
   * Returns the per-projection settings.
   *
   * @return the settings by projection name
   */
  public Map<String, RunnerProperties> getNamed() {
    return named;
  }
}
