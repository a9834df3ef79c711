package dev.cairn.store.jdbc;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.spi.Checks;
import dev.cairn.api.spi.SetOnce;
import dev.cairn.store.jdbc.internal.GroupCommitSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Configures a {@link JdbcEventStore}, as {@link JdbcEventStore#builder(DataSource)} returns it;
 * every setter checks its argument at once and refuses a second call, naming the value set first.
 */
public final class JdbcEventStoreBuilder {
  final DataSource dataSource;
  private final SetOnce set = new SetOnce();
  String schema = "public";
  String prefix = "";
  int maxEventBytes = JdbcEventStore.DEFAULT_MAX_EVENT_BYTES;
  boolean notify;
  MeterRegistry meters = Metrics.globalRegistry;
  Duration fenceHeldThreshold = Duration.ofSeconds(10);
  @Nullable OpenTelemetry openTelemetry;
  GroupCommitSettings groupCommit = GroupCommitSettings.DEFAULTS;

  JdbcEventStoreBuilder(DataSource dataSource) {
    this.dataSource = requireNonNull(dataSource, "dataSource");
  }

  /**
   * Sets the schema of the store's tables (default {@code public}); it is created if missing.
   *
   * @param value a name matching {@code [a-z_][a-z0-9_]*}
   * @return this builder
   * @throws IllegalStateException if already set
   * @throws IllegalArgumentException if the name breaks that rule
   */
  public JdbcEventStoreBuilder schema(String value) {
    this.schema = set.once("schema", Checks.sqlIdentifier("schema", value));
    return this;
  }

  /**
   * Sets a prefix for the store's table names (default none), e.g. {@code cairn_}.
   *
   * @param value a prefix matching {@code [a-z_][a-z0-9_]*}
   * @return this builder
   * @throws IllegalStateException if already set
   * @throws IllegalArgumentException if the prefix breaks that rule
   */
  public JdbcEventStoreBuilder tablePrefix(String value) {
    this.prefix = set.once("table prefix", Checks.sqlIdentifier("table prefix", value));
    return this;
  }

  /**
   * Sets the largest payload one event may have (default 1 MiB).
   *
   * @param bytes the limit in bytes of UTF-8 JSON
   * @return this builder
   * @throws IllegalStateException if already set
   * @throws IllegalArgumentException if not positive
   */
  public JdbcEventStoreBuilder maxEventBytes(int bytes) {
    this.maxEventBytes = set.once("max event bytes", Checks.positive("max event bytes", bytes));
    return this;
  }

  /**
   * Announces every append on the {@value JdbcEventStore#NOTIFY_CHANNEL} LISTEN/NOTIFY channel (default off),
   * so relays in other processes wake at once instead of at their next poll.
   *
   * @param value true to announce
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public JdbcEventStoreBuilder notifyOnAppend(boolean value) {
    this.notify = set.once("notify on append", value);
    return this;
  }

  /**
   * Sets the registry for the store's metrics (default Micrometer's global registry).
   *
   * @param value the registry
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public JdbcEventStoreBuilder meterRegistry(MeterRegistry value) {
    this.meters = set.once("meter registry", value);
    return this;
  }

  /**
   * Sets how long committed events may wait above the global-order fence (for an appender that
   * stays open) before {@link JdbcEventStore#health()} reports the store DEGRADED (default 10
   * s).
   *
   * @param value the threshold
   * @return this builder
   * @throws IllegalStateException if already set
   * @throws IllegalArgumentException if not positive
   */
  public JdbcEventStoreBuilder fenceHeldThreshold(Duration value) {
    this.fenceHeldThreshold = set.once("fence held threshold", Checks.positive("fence held threshold", value));
    return this;
  }

  /**
   * Sets the OpenTelemetry whose tracer records the spans of command handling (default: {@link
   * GlobalOpenTelemetry}'s instance when the store is built, or the no-op one if none was set).
   * Without an SDK nothing is recorded and the spans cost next to nothing.
   *
   * @param value the OpenTelemetry
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public JdbcEventStoreBuilder openTelemetry(OpenTelemetry value) {
    this.openTelemetry = set.once("OpenTelemetry", value);
    return this;
  }

  /**
   * Sets how concurrent appends to different streams are combined into one transaction (group
   * commit; on by default with groups of up to 64, one group committing at a time and a wait
   * of up to 1 ms). Each member of a group keeps its own outcome: a member whose stream moved on gets
   * its own {@link dev.cairn.api.ConcurrencyConflictException}, the others commit. A writer alone
   * never waits; writers that arrive while groups commit go together in the next group, on one
   * connection and one commit (one WAL flush on a durable server), and a group's leader waits up to
   * {@code maxWait} for as many members as the last group had. Appends inside a caller's
   * transaction ({@link JdbcEventStore#append(org.jdbi.v3.core.Handle, dev.cairn.api.AppendRequest)})
   * are never grouped.
   *
   * @param maxSize the most appends in one group; 1 turns grouping off
   * @param maxInFlight the most groups committing at once, each on a connection of its own
   * @param maxWait how long a leader waits for as many members as the last group had (0 to 1 s;
   *     zero lets groups form only while earlier ones commit)
   * @return this builder
   * @throws IllegalArgumentException if a size is below 1 or the wait outside 0 to 1 s
   * @throws IllegalStateException if already set
   */
  public JdbcEventStoreBuilder groupCommit(int maxSize, int maxInFlight, Duration maxWait) {
    this.groupCommit = set.once("group commit", new GroupCommitSettings(maxSize, maxInFlight, maxWait));
    return this;
  }

  /**
   * Builds the store. Call {@link JdbcEventStore#migrate()} before first use.
   *
   * @return the store
   */
  public JdbcEventStore build() {
    return new JdbcEventStore(this);
  }
}
