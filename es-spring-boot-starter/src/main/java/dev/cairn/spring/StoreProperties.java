package dev.cairn.spring;

import dev.cairn.api.spi.Checks;
import java.time.Duration;

/** The event store made from the application's {@code DataSource}. */
public class StoreProperties {
  /** Schema of the store's tables, created if missing; matches [a-z_][a-z0-9_]*. */
  private String schema = "public";
  /** Prefix of the store's table names, e.g. cairn_; matches [a-z_][a-z0-9_]* (or empty). */
  private String tablePrefix = "";
  /** Whether every append is announced on LISTEN/NOTIFY, waking relays and runners in other processes. */
  private boolean notifyOnAppend = true;
  /** Largest payload one event may have, in bytes of UTF-8 JSON. */
  private int maxEventBytes = 1048576;
  /** Whether the store's, the relay's and the projections' tables are created or upgraded on start. */
  private boolean migrate = true;
  /** How long committed events may wait behind an open appender before the store is DEGRADED. */
  private Duration fenceHeldThreshold = Duration.ofSeconds(10);
  /** Group commit: the most concurrent appends committed together in one transaction; 1 turns it off. */
  private int groupCommitMaxSize = 64;
  /** Group commit: the most groups committing at once, each on a connection of its own. */
  private int groupCommitMaxInFlight = 1;
  /** Group commit: how long a group's leader waits for as many members as the last group had. */
  private Duration groupCommitMaxWait = Duration.ofMillis(1);

  /**
   * Returns the schema.
   *
   * @return the schema
   */
  public String getSchema() {
    return schema;
  }

  /**
   * Sets the schema.
   *
   * @param schema a name matching {@code [a-z_][a-z0-9_]*}
   * @throws IllegalArgumentException if it does not
   */
  public void setSchema(String schema) {
    this.schema = Checks.sqlIdentifier("cairn.store.schema", schema);
  }

  /**
   * Returns the table prefix.
   *
   * @return the prefix, possibly empty
   */
  public String getTablePrefix() {
    return tablePrefix;
  }

  /**
   * Sets the table prefix.
   *
   * @param tablePrefix empty, or a prefix matching {@code [a-z_][a-z0-9_]*}
   * @throws IllegalArgumentException if it does not
   */
  public void setTablePrefix(String tablePrefix) {
    this.tablePrefix = tablePrefix.isEmpty() ? "" : Checks.sqlIdentifier("cairn.store.table-prefix", tablePrefix);
  }

  /**
   * Tells whether appends are announced.
   *
   * @return whether appends are announced
   */
  public boolean isNotifyOnAppend() {
    return notifyOnAppend;
  }

  /**
   * Sets whether appends are announced.
   *
   * @param notifyOnAppend true to announce
   */
  public void setNotifyOnAppend(boolean notifyOnAppend) {
    this.notifyOnAppend = notifyOnAppend;
  }

  /**
   * Returns the largest event payload.
   *
   * @return bytes
   */
  public int getMaxEventBytes() {
    return maxEventBytes;
  }

  /**
   * Sets the largest event payload.
   *
   * @param maxEventBytes bytes, more than 0
   * @throws IllegalArgumentException if not positive
   */
  public void setMaxEventBytes(int maxEventBytes) {
    this.maxEventBytes = Checks.positive("cairn.store.max-event-bytes", maxEventBytes);
  }

  /**
   * Tells whether migrations run on start.
   *
   * @return whether they run
   */
  public boolean isMigrate() {
    return migrate;
  }

  /**
   * Sets whether migrations run on start.
   *
   * @param migrate false when the schema is managed elsewhere
   */
  public void setMigrate(boolean migrate) {
    this.migrate = migrate;
  }

  /**
   * Returns the fence threshold.
   *
   * @return the threshold
   */
  public Duration getFenceHeldThreshold() {
    return fenceHeldThreshold;
  }

  /**
   * Sets the fence threshold.
   *
   * @param fenceHeldThreshold a positive duration
   * @throws IllegalArgumentException if not positive
   */
  public void setFenceHeldThreshold(Duration fenceHeldThreshold) {
    this.fenceHeldThreshold = Checks.positive("cairn.store.fence-held-threshold", fenceHeldThreshold);
  }

  /**
   * Returns the largest group of appends committed together.
   *
   * @return the size
   */
  public int getGroupCommitMaxSize() {
    return groupCommitMaxSize;
  }

  /**
   * Sets the largest group of appends committed together.
   *
   * @param groupCommitMaxSize at least 1 (1 turns group commit off)
   * @throws IllegalArgumentException if below 1
   */
  public void setGroupCommitMaxSize(int groupCommitMaxSize) {
    this.groupCommitMaxSize = Checks.positive("cairn.store.group-commit-max-size", groupCommitMaxSize);
  }

  /**
   * Returns how many groups may commit at once.
   *
   * @return the number
   */
  public int getGroupCommitMaxInFlight() {
    return groupCommitMaxInFlight;
  }

  /**
   * Sets how many groups may commit at once.
   *
   * @param groupCommitMaxInFlight at least 1
   * @throws IllegalArgumentException if below 1
   */
  public void setGroupCommitMaxInFlight(int groupCommitMaxInFlight) {
    this.groupCommitMaxInFlight = Checks.positive("cairn.store.group-commit-max-in-flight", groupCommitMaxInFlight);
  }

  /**
   * Returns how long a group's leader waits for its group.
   *
   * @return the wait
   */
  public Duration getGroupCommitMaxWait() {
    return groupCommitMaxWait;
  }

  /**
   * Sets how long a group's leader waits for its group.
   *
   * @param groupCommitMaxWait 0 to 1 s
   * @throws IllegalArgumentException if negative or above 1 s
   */
  public void setGroupCommitMaxWait(Duration groupCommitMaxWait) {
    this.groupCommitMaxWait =
        Checks.between("cairn.store.group-commit-max-wait", groupCommitMaxWait, Duration.ZERO, Duration.ofSeconds(1));
  }
}
