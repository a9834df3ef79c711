package dev.cairn.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.store.jdbc.Accounts.Account;
import dev.cairn.store.jdbc.Accounts.AccountDecider;
import dev.cairn.store.jdbc.Accounts.Command;
import dev.cairn.store.jdbc.Accounts.Event;
import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The store's and the repository's builders take each setting once (STYLE: configuration). */
class BuilderSettingsTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();

  static Stream<Arguments> storeSetters() {
    return Stream.of(
        store("schema", b -> b.schema("orders")),
        store("table prefix", b -> b.tablePrefix("es_")),
        store("max event bytes", b -> b.maxEventBytes(4096)),
        store("notify on append", b -> b.notifyOnAppend(true)),
        store("meter registry", b -> b.meterRegistry(new SimpleMeterRegistry())),
        store("fence held threshold", b -> b.fenceHeldThreshold(Duration.ofSeconds(5))),
        store("OpenTelemetry", b -> b.openTelemetry(OpenTelemetry.noop())),
        store("group commit", b -> b.groupCommit(16, 1, Duration.ofMillis(1))));
  }

  private static Arguments store(String name, Consumer<JdbcEventStoreBuilder> call) {
    return Arguments.of(name, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("storeSetters")
  void storeSetter_calledTwice_isRefusedNamingTheSettingAndItsFirstValue(String name, Consumer<JdbcEventStoreBuilder> call) {
    JdbcEventStoreBuilder builder = JdbcEventStore.builder(pg.dataSource());
    call.accept(builder);

    assertThatThrownBy(() -> call.accept(builder))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(name + " was already set to ");
  }

  @Test
  void storeSetter_refusedForItsValue_canBeCalledAgain() {
    JdbcEventStoreBuilder builder = JdbcEventStore.builder(pg.dataSource());

    assertThatThrownBy(() -> builder.schema("Orders")).isInstanceOf(IllegalArgumentException.class);

    assertThat(builder.schema("orders")).isSameAs(builder);
  }

  static Stream<Arguments> repositorySetters() {
    return Stream.of(
        repository("serializer", b -> b.serializer(Accounts.serializer())),
        repository("max retries", b -> b.maxRetries(5)),
        repository("cache size", b -> b.cacheSize(10)),
        repository("snapshots", b -> b.snapshots(Account.class, 2)),
        repository("snapshot interval", b -> b.snapshotEvery(50)),
        repository("snapshot load bound", b -> b.snapshotWhenLoadSlowerThan(Duration.ofMillis(20))));
  }

  private static Arguments repository(String name, Consumer<JdbcAggregateRepository.Builder<Command, Account, Event>> call) {
    return Arguments.of(name, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("repositorySetters")
  void repositorySetter_calledTwice_isRefusedNamingTheSettingAndItsFirstValue(
      String name, Consumer<JdbcAggregateRepository.Builder<Command, Account, Event>> call) {
    JdbcAggregateRepository.Builder<Command, Account, Event> builder =
        StoreTestSupport.migratedStore(pg.dataSource()).repository("account", new AccountDecider());
    call.accept(builder);

    assertThatThrownBy(() -> call.accept(builder))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(name + " was already set to ");
  }

  @Test
  void snapshotSettings_refusedForTheirValues_canBeCalledAgain() {
    JdbcAggregateRepository.Builder<Command, Account, Event> builder =
        StoreTestSupport.migratedStore(pg.dataSource()).repository("account", new AccountDecider());

    assertThatThrownBy(() -> builder.snapshots(Account.class, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("state revision must be >= 1 but was 0");
    assertThatThrownBy(() -> builder.snapshotWhenLoadSlowerThan(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("snapshot load bound must be >= 0 but was PT-0.001S");

    assertThat(builder.snapshots(Account.class, 1)).isSameAs(builder);
  }
}
