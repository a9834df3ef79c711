package dev.cairn.projections;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.EventSerializer;
import dev.cairn.api.spi.Checks;
import dev.cairn.api.spi.SetOnce;
import dev.cairn.store.jdbc.spi.StoreTables;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Configures the {@link ProjectionManager} of a read side: projections in a database of their own,
 * fed by Kafka, with no event store. The module's tables (versions, offsets, dead letters) and the
 * read models live in the schema and under the prefix set here; each setter checks its argument at
 * once, and a second call is a conflict.
 *
 * <pre>{@code
 * ProjectionManager projections = ProjectionManager.readSide(readModelDataSource, serializer)
 *     .schema("orders_read")
 *     .meterRegistry(registry)
 *     .build();
 * projections.migrate();
 * projections.install(summaries);
 * projections.kafkaRunner(summaries, consumerConfig, List.of("order")).build().start();
 * }</pre>
 */
public final class ReadSideBuilder {

  private final DataSource dataSource;
  private final EventSerializer serializer;
  private final SetOnce set = new SetOnce();
  private @Nullable String schema;
  private @Nullable String prefix;
  private @Nullable MeterRegistry meters;

  ReadSideBuilder(DataSource dataSource, EventSerializer serializer) {
    this.dataSource = requireNonNull(dataSource, "readModel");
    this.serializer = requireNonNull(serializer, "serializer");
  }

  /**
   * Sets the schema of the module's tables and of the read models (default {@code public}); it is
   * created by {@link ProjectionManager#migrate()} if missing.
   *
   * @param value a name matching {@code [a-z_][a-z0-9_]*}
   * @return this builder
   * @throws IllegalArgumentException if the name breaks that rule
   * @throws IllegalStateException if the schema was already set
   */
  public ReadSideBuilder schema(String value) {
    this.schema = set.once("schema", Checks.sqlIdentifier("schema", value));
    return this;
  }

  /**
   * Sets a prefix for the module's table names (default none), e.g. {@code cairn_}.
   *
   * @param value a prefix matching {@code [a-z_][a-z0-9_]*}
   * @return this builder
   * @throws IllegalArgumentException if the prefix breaks that rule
   * @throws IllegalStateException if the prefix was already set
   */
  public ReadSideBuilder tablePrefix(String value) {
    this.prefix = set.once("table prefix", Checks.sqlIdentifier("table prefix", value));
    return this;
  }

  /**
   * Sets the registry of the runners' meters (default Micrometer's global registry).
   *
   * @param value the registry
   * @return this builder
   * @throws IllegalStateException if the registry was already set
   */
  public ReadSideBuilder meterRegistry(MeterRegistry value) {
    this.meters = set.once("meter registry", value);
    return this;
  }

  /**
   * Builds the manager; call {@link ProjectionManager#migrate()} before installing projections.
   *
   * @return the manager
   */
  public ProjectionManager build() {
    return new ProjectionManager(
        dataSource,
        StoreTables.of(schema == null ? "public" : schema, prefix == null ? "" : prefix),
        meters == null ? Metrics.globalRegistry : meters,
        serializer);
  }
}
