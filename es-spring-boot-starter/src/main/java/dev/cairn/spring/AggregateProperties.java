package dev.cairn.spring;

import dev.cairn.api.spi.Checks;
import org.jspecify.annotations.Nullable;

/** Repository settings of one aggregate; unset values keep the repository's defaults. */
public class AggregateProperties {
  /** Aggregates the cache holds (0 turns it off). */
  private @Nullable Long cacheSize;
  /** Events past the last snapshot before another is taken. */
  private @Nullable Integer snapshotEvery;
  /** Whether snapshots are taken (they need the registration's state class). */
  private boolean snapshots = true;
  /** Retries of a command that lost a race. */
  private @Nullable Integer maxRetries;

  /**
   * Returns the cache size, if set.
   *
   * @return the size or null
   */
  public @Nullable Long getCacheSize() {
    return cacheSize;
  }

  /**
   * Sets the cache size.
   *
   * @param cacheSize 0 or more
   * @throws IllegalArgumentException if negative
   */
  public void setCacheSize(@Nullable Long cacheSize) {
    if (cacheSize != null && cacheSize < 0) {
      throw new IllegalArgumentException("cache-size must be >= 0 but was " + cacheSize);
    }
    this.cacheSize = cacheSize;
  }

  /**
   * Returns the snapshot interval, if set.
   *
   * @return the interval or null
   */
  public @Nullable Integer getSnapshotEvery() {
    return snapshotEvery;
  }

  /**
   * Sets the snapshot interval.
   *
   * @param snapshotEvery more than 0
   * @throws IllegalArgumentException if not positive
   */
  public void setSnapshotEvery(@Nullable Integer snapshotEvery) {
    this.snapshotEvery = snapshotEvery == null ? null : Checks.positive("snapshot-every", snapshotEvery);
  }

  /**
   * Tells whether snapshots are taken.
   *
   * @return whether they are
   */
  public boolean isSnapshots() {
    return snapshots;
  }

  /**
   * Sets whether snapshots are taken.
   *
   * @param snapshots false to turn them off
   */
  public void setSnapshots(boolean snapshots) {
    this.snapshots = snapshots;
  }

  /**
   * Returns the retries, if set.
   *
   * @return the retries or null
   */
  public @Nullable Integer getMaxRetries() {
    return maxRetries;
  }

  /**
   * Sets the retries.
   *
   * @param maxRetries 0 or more
   * @throws IllegalArgumentException if negative
   */
  public void setMaxRetries(@Nullable Integer maxRetries) {
    if (maxRetries != null && maxRetries < 0) {
      throw new IllegalArgumentException("max-retries must be >= 0 but was " + maxRetries);
    }
    this.maxRetries = maxRetries;
  }
}
