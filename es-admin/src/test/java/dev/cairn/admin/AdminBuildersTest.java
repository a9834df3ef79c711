package dev.cairn.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The admin's and the doctor's builders take each setting once (STYLE: configuration). */
class AdminBuildersTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static Fixture fx;

  @BeforeAll
  static void setUp() {
    fx = new Fixture(pg.dataSource());
  }

  static Stream<Arguments> adminSetters() {
    return Stream.of(
        admin("projection manager", b -> b.projections(fx.manager)),
        admin("meter registry", b -> b.meterRegistry(new SimpleMeterRegistry())),
        admin("security", b -> b.security(AdminSecurity.loopback())),
        admin("base path", b -> b.basePath("/ops/cairn")),
        admin("switch hook", b -> b.onSwitch(p -> {})),
        admin("rebuild timeout", b -> b.rebuildTimeout(Duration.ofMinutes(5))));
  }

  private static Arguments admin(String name, Consumer<CairnAdmin.Builder> call) {
    return Arguments.of(name, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("adminSetters")
  void adminSetter_calledTwice_isRefusedNamingTheSettingAndItsFirstValue(String name, Consumer<CairnAdmin.Builder> call) {
    assertSecondCallRefused(name, CairnAdmin.builder(fx.store), call);
  }

  @Test
  void catalog_aRefusedCall_addsNoneOfItsVersions() {
    CairnAdmin.Builder builder = CairnAdmin.builder(fx.store).projections(fx.manager).catalog(Fixture.balances(1));

    assertThatThrownBy(() -> builder.catalog(Fixture.balances(2), Fixture.balances(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("v1 is already in the catalog");

    // Version 2 was not added by the refused call, so adding it now is no conflict.
    assertThat(builder.catalog(Fixture.balances(2))).isSameAs(builder);
  }

  static Stream<Arguments> doctorSetters() {
    return Stream.of(
        doctor("Kafka settings", b -> b.kafkaSettings(Map.of("bootstrap.servers", "127.0.0.1:1"))),
        doctor("topic prefix", b -> b.topicPrefix("shop.")),
        doctor("fence held after", b -> b.fenceHeldAfter(Duration.ofSeconds(5))),
        doctor("stalled after", b -> b.stalledAfter(Duration.ofSeconds(30))));
  }

  private static Arguments doctor(String name, Consumer<Doctor.Builder> call) {
    return Arguments.of(name, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("doctorSetters")
  void doctorSetter_calledTwice_isRefusedNamingTheSettingAndItsFirstValue(String name, Consumer<Doctor.Builder> call) {
    assertSecondCallRefused(name, Doctor.builder(fx.store), call);
  }

  @Test
  void doctorDurations_notPositive_areRefusedNamingTheValue() {
    assertThatThrownBy(() -> Doctor.builder(fx.store).stalledAfter(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stalled after must be > 0 but was PT0S");
  }

  private static <B> void assertSecondCallRefused(String name, B builder, Consumer<B> call) {
    call.accept(builder);

    assertThatThrownBy(() -> call.accept(builder))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(name + " was already set to ");
  }
}
