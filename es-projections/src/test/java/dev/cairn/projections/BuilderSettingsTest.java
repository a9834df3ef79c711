package dev.cairn.projections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.projections.StreamsProjectionTest.Balance;
import dev.cairn.testkit.PostgresExtension;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The runners' and the failure policy's builders take each setting once (STYLE: configuration). */
class BuilderSettingsTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();

  static final Projection BALANCES = Bank.balances("balances", 1, false);

  static Stream<Arguments> storeRunnerSetters() {
    return Stream.of(
        storeRunner("OpenTelemetry", b -> b.openTelemetry(OpenTelemetry.noop())),
        storeRunner("failure policy", b -> b.failurePolicy(FailurePolicy.defaults())),
        storeRunner("stale after", b -> b.staleAfter(Duration.ofSeconds(10))),
        storeRunner("batch size", b -> b.batchSize(50)),
        storeRunner("poll interval", b -> b.pollInterval(Duration.ofMillis(200))),
        storeRunner("listen for notifications", b -> b.listenForNotifications(true)));
  }

  private static Arguments storeRunner(String name, Consumer<StoreProjectionRunner.Builder> call) {
    return Arguments.of(name, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("storeRunnerSetters")
  void storeRunnerSetter_calledTwice_isRefusedNamingTheSettingAndItsFirstValue(
      String name, Consumer<StoreProjectionRunner.Builder> call) {
    StoreProjectionRunner.Builder builder = Bank.manager(Bank.store(pg.dataSource())).storeRunner(BALANCES);

    assertSecondCallRefused(name, builder, call);
  }

  static Stream<Arguments> kafkaRunnerSetters() {
    return Stream.of(
        kafkaRunner("stale after", b -> b.staleAfter(Duration.ofSeconds(10))),
        kafkaRunner("max batch records", b -> b.maxBatchRecords(100)),
        kafkaRunner("max batch time", b -> b.maxBatchTime(Duration.ofMillis(50))),
        kafkaRunner("linger", b -> b.linger(Duration.ofMillis(2))),
        kafkaRunner("poll timeout", b -> b.pollTimeout(Duration.ofMillis(20))),
        kafkaRunner("handover margin", b -> b.handoverMargin(Duration.ofMinutes(1))),
        kafkaRunner("instance id", b -> b.instanceId("host-a")));
  }

  private static Arguments kafkaRunner(String name, Consumer<KafkaProjectionRunner.Builder> call) {
    return Arguments.of(name, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kafkaRunnerSetters")
  void kafkaRunnerSetter_calledTwice_isRefusedNamingTheSettingAndItsFirstValue(
      String name, Consumer<KafkaProjectionRunner.Builder> call) {
    assertSecondCallRefused(name, kafkaRunner(), call);
  }

  @Test
  void kafkaRunnerDurations_refusedForTheirValues_canBeSetAfterwards() {
    KafkaProjectionRunner.Builder builder = kafkaRunner();

    assertThatThrownBy(() -> builder.linger(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("linger must be >= 0 but was PT-0.001S");
    assertThatThrownBy(() -> builder.handoverMargin(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("handover margin must be >= 0 but was PT-1S");

    assertThat(builder.linger(Duration.ZERO).handoverMargin(Duration.ZERO)).isSameAs(builder);
  }

  static Stream<Arguments> failurePolicySetters() {
    return Stream.of(
        policy("max attempts", b -> b.maxAttempts(5)),
        policy("backoff", b -> b.backoff(Duration.ofMillis(10), Duration.ofSeconds(2))),
        policy("stream waits behind parked", b -> b.streamWaitsBehindParked(false)),
        policy("error handler", b -> b.errorHandler((event, error, attempts) -> ErrorVerdict.PARK)));
  }

  private static Arguments policy(String name, Consumer<FailurePolicy.Builder> call) {
    return Arguments.of(name, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failurePolicySetters")
  void failurePolicySetter_calledTwice_isRefusedNamingTheSettingAndItsFirstValue(
      String name, Consumer<FailurePolicy.Builder> call) {
    assertSecondCallRefused(name, FailurePolicy.builder(), call);
  }

  @Test
  void streamsProjectionConfig_aKeyGivenTwice_isRefused_andTheRefusedCallAddsNothing() {
    StreamsProjection.Builder<Balance> builder =
        StreamsProjection.builder("twice-config", "t", Bank.SERIALIZER, Balance.class, () -> Balance.ZERO, (s, e) -> s)
            .config(Map.of("bootstrap.servers", "127.0.0.1:1"));

    assertThatThrownBy(() -> builder.config(Map.of("commit.interval.ms", 100, "bootstrap.servers", "127.0.0.1:2")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Kafka Streams setting bootstrap.servers was already set to 127.0.0.1:1");

    assertThat(builder.config(Map.of("commit.interval.ms", 100))).isSameAs(builder);
  }

  private KafkaProjectionRunner.Builder kafkaRunner() {
    return Bank.manager(Bank.store(pg.dataSource()))
        .kafkaRunner(BALANCES, Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "balances"), List.of("account"));
  }

  private static <B> void assertSecondCallRefused(String name, B builder, Consumer<B> call) {
    call.accept(builder);

    assertThatThrownBy(() -> call.accept(builder))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(name + " was already set to ");
  }
}
