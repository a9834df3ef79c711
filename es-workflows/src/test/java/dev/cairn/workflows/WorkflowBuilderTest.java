package dev.cairn.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.api.CommandRejectedException;
import dev.cairn.testkit.PostgresExtension;
import dev.cairn.workflows.Fulfil.FulfilProcess;
import dev.cairn.workflows.Fulfil.Progress;
import dev.cairn.workflows.Fulfil.World;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A workflow's builder takes each setting once (STYLE: configuration); its adders add up. */
class WorkflowBuilderTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static World world;

  @BeforeAll
  static void setUp() {
    world = new World(pg.dataSource());
  }

  static Stream<Arguments> everySetter() {
    return Stream.of(
        setter("store", b -> b.store(world.store)),
        setter("projection manager", b -> b.projections(world.projections)),
        setter("serializer", b -> b.serializer(Fulfil.SERIALIZER)),
        setter("workflow version", b -> b.version(2)),
        setter("refusal test", b -> b.refusedWhen(CommandRejectedException.class::isInstance)),
        setter("deadline poll", b -> b.deadlinePoll(Duration.ofMillis(100))),
        setter("deadline attempts", b -> b.deadlineAttempts(3)),
        setter("runner configuration", b -> b.runner(r -> r.batchSize(10))));
  }

  private static Arguments setter(String name, Consumer<Workflow.Builder<Progress>> call) {
    return Arguments.of(name, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everySetter")
  void everySetter_calledTwice_isRefusedNamingTheSettingAndItsFirstValue(String name, Consumer<Workflow.Builder<Progress>> call) {
    Workflow.Builder<Progress> builder = Workflow.builder("fulfil", new FulfilProcess(sku -> Duration.ofMinutes(1)), Progress.class);
    call.accept(builder);

    assertThatThrownBy(() -> call.accept(builder))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(name + " was already set to ");
  }

  @Test
  void follow_mayBeCalledAgain() {
    Workflow.Builder<Progress> builder = Workflow.builder("fulfil", new FulfilProcess(sku -> Duration.ofMinutes(1)), Progress.class);

    assertThat(builder.follow(Fulfil.RequestEvent.class).follow(Fulfil.StockEvent.class)).isSameAs(builder);
  }
}
