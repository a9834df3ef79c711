package dev.cairn.store.jdbc.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.store.jdbc.JdbcEventStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

class StoreTablesTest {

  @Test
  void qualified_putsSchemaAndPrefixBeforeTheName() {
    StoreTables tables = StoreTables.of("cairn", "app_");

    assertThat(tables.qualified("projection_versions")).isEqualTo("cairn.app_projection_versions");
    assertThat(tables.prefixed("cairn_projections_schema_history"))
        .isEqualTo("app_cairn_projections_schema_history");
  }

  @Test
  void aStoresTables_areThoseOfItsSchemaAndPrefix_andQualifyAsTheStoreDoes() {
    // Building a store connects to nothing, so a data source that points nowhere is enough.
    JdbcEventStore store =
        JdbcEventStore.builder(new PGSimpleDataSource())
            .schema("cairn")
            .tablePrefix("app_")
            .meterRegistry(new SimpleMeterRegistry())
            .build();

    assertThat(store.tables()).isEqualTo(StoreTables.of("cairn", "app_"));
    assertThat(store.tables().qualified("relay_positions")).isEqualTo(store.qualifiedTable("relay_positions"));
  }

  @Test
  void anEmptyPrefix_leavesTheNameAlone() {
    assertThat(StoreTables.of("public", "").qualified("events")).isEqualTo("public.events");
  }

  @Test
  void aNameThatIsNotAnIdentifier_isRejected() {
    StoreTables tables = StoreTables.of("cairn", "");

    assertThatThrownBy(() -> tables.qualified("events; DROP TABLE x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("events; DROP TABLE x");
    assertThatThrownBy(() -> tables.qualified("Events")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSchemaOrPrefixThatIsNotAnIdentifier_isRejected() {
    assertThatThrownBy(() -> StoreTables.of("Cairn", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("schema");
    assertThatThrownBy(() -> StoreTables.of("cairn", "app-"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("table prefix");
    assertThatThrownBy(() -> StoreTables.of(null, "")).isInstanceOf(NullPointerException.class);
  }
}
