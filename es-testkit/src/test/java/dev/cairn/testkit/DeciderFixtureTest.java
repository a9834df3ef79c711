package dev.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.api.CommandRejectedException;
import dev.cairn.api.Decider;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

class DeciderFixtureTest {

  sealed interface CounterCommand {}

  record Increment(int by) implements CounterCommand {}

  record Reset() implements CounterCommand {}

  sealed interface CounterEvent {}

  record Incremented(int by) implements CounterEvent {}

  record WasReset() implements CounterEvent {}

  record Counter(int value) {}

  /** Increments by a positive amount up to 10; resets only a counter that is not already 0. */
  static final class CounterDecider implements Decider<CounterCommand, Counter, CounterEvent> {

    @Override
    public Counter initialState() {
      return new Counter(0);
    }

    @Override
    public List<CounterEvent> decide(CounterCommand command, Counter state) {
      if (command instanceof Increment increment) {
        if (increment.by() <= 0) {
          throw new IllegalArgumentException(
              "increment must be positive but was " + increment.by());
        }
        if (state.value() + increment.by() > 10) {
          throw new CommandRejectedException(
              "counter at " + state.value() + " cannot grow by " + increment.by() + " past 10");
        }
        return List.of(new Incremented(increment.by()));
      }
      return state.value() == 0 ? List.of() : List.of(new WasReset());
    }

    @Override
    public Counter evolve(Counter state, CounterEvent event) {
      if (event instanceof Incremented incremented) {
        return new Counter(state.value() + incremented.by());
      }
      return new Counter(0);
    }
  }

  private final DeciderFixture<CounterCommand, Counter, CounterEvent> counter =
      DeciderFixture.of(new CounterDecider());

  @Test
  void thenEvents_withTheDecidedEvents_passes() {
    counter.given().when(new Increment(2)).thenEvents(new Incremented(2));
    counter.given(new Incremented(3)).when(new Reset()).thenEvents(List.of(new WasReset()));
  }

  @Test
  void thenEvents_withOtherEvents_fails() {
    var then = counter.given().when(new Increment(2));

    assertThatThrownBy(() -> then.thenEvents(new Incremented(3)))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("Increment[by=2]")
        .hasMessageContaining("expected events: [Incremented[by=3]]")
        .hasMessageContaining("but decide returned: [Incremented[by=2]]")
        .hasMessageContaining("index 0")
        .satisfies(
            e -> {
              var failure = (AssertionFailedError) e;
              assertThat(failure.getExpected().getStringRepresentation())
                  .isEqualTo("[Incremented[by=3]]");
              assertThat(failure.getActual().getStringRepresentation())
                  .isEqualTo("[Incremented[by=2]]");
            });
  }

  @Test
  void thenEvents_withMoreEventsThanDecided_fails() {
    var then = counter.given().when(new Increment(2));

    assertThatThrownBy(() -> then.thenEvents(new Incremented(2), new Incremented(2)))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("expected 2 events but decide returned 1");
  }

  @Test
  void thenEvents_whenDecideThrew_failsWithTheExceptionAsCause() {
    var then = counter.given(new Incremented(9)).when(new Increment(2));

    assertThatThrownBy(() -> then.thenEvents(new Incremented(2)))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("but decide threw")
        .hasMessageContaining("past 10")
        .hasCauseInstanceOf(CommandRejectedException.class);
  }

  @Test
  void thenNoEvents_whenNothingWasDecided_passes() {
    counter.given().when(new Reset()).thenNoEvents();
    counter.given(new Incremented(4), new WasReset()).when(new Reset()).thenNoEvents();
  }

  @Test
  void thenNoEvents_whenEventsWereDecided_fails() {
    var then = counter.given(new Incremented(4)).when(new Reset());

    assertThatThrownBy(then::thenNoEvents)
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("expected no events but decide returned [WasReset[]]");
  }

  @Test
  void thenNoEvents_whenDecideThrew_fails() {
    var then = counter.given().when(new Increment(-1));

    assertThatThrownBy(then::thenNoEvents)
        .isInstanceOf(AssertionFailedError.class)
        .hasCauseInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void thenThrows_withTheThrownType_returnsTheException() {
    CommandRejectedException rejected =
        counter
            .given(new Incremented(6), new Incremented(3))
            .when(new Increment(2))
            .thenThrows(CommandRejectedException.class);

    assertThat(rejected).hasMessage("counter at 9 cannot grow by 2 past 10");
  }

  @Test
  void thenThrows_withASupertype_passes() {
    RuntimeException rejected =
        counter
            .given(new Incremented(10))
            .when(new Increment(1))
            .thenThrows(RuntimeException.class);

    assertThat(rejected).isInstanceOf(CommandRejectedException.class);
  }

  @Test
  void thenThrows_withAnotherType_fails() {
    var then = counter.given().when(new Increment(0));

    assertThatThrownBy(() -> then.thenThrows(CommandRejectedException.class))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining(
            "expected decide to throw " + CommandRejectedException.class.getName())
        .hasMessageContaining("but it threw java.lang.IllegalArgumentException")
        .hasCauseInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void thenThrows_whenDecideReturnedEvents_fails() {
    var then = counter.given().when(new Increment(1));

    assertThatThrownBy(() -> then.thenThrows(CommandRejectedException.class))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("but it returned events [Incremented[by=1]]");
  }

  @Test
  void thenThrows_withMessagePart_checksTheMessage() {
    var then = counter.given(new Incremented(10)).when(new Increment(1));

    CommandRejectedException rejected = then.thenThrows(CommandRejectedException.class, "past 10");

    assertThat(rejected).hasMessageContaining("counter at 10");
    assertThatThrownBy(() -> then.thenThrows(CommandRejectedException.class, "past 11"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("with a message containing \"past 11\"")
        .hasMessageContaining("but its message was \"counter at 10 cannot grow by 1 past 10\"")
        .hasCause(rejected);
  }

  @Test
  void thenState_foldsGivenAndDecidedEvents() {
    counter
        .given(new Incremented(2), new Incremented(3))
        .when(new Increment(4))
        .thenEvents(new Incremented(4))
        .thenState(new Counter(9));
    counter.given(new Incremented(5)).when(new Reset()).thenState(new Counter(0));
    counter.given().when(new Reset()).thenState(new Counter(0));
  }

  @Test
  void thenState_withAnotherState_fails() {
    var then = counter.given(new Incremented(2)).when(new Increment(4));

    assertThatThrownBy(() -> then.thenState(new Counter(4)))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("expected state: Counter[value=4]")
        .hasMessageContaining("but was: Counter[value=6]")
        .satisfies(
            e -> {
              var failure = (AssertionFailedError) e;
              // opentest4j keeps only a string form of values that are not Serializable.
              assertThat(failure.getExpected().getStringRepresentation())
                  .isEqualTo("Counter[value=4]");
              assertThat(failure.getActual().getStringRepresentation())
                  .isEqualTo("Counter[value=6]");
            });
  }

  @Test
  void thenState_whenDecideThrew_fails() {
    var then = counter.given(new Incremented(10)).when(new Increment(1));

    assertThatThrownBy(() -> then.thenState(new Counter(10)))
        .isInstanceOf(AssertionFailedError.class)
        .hasCauseInstanceOf(CommandRejectedException.class);
  }

  @Test
  void events_returnsTheDecidedEventsForCustomChecks() {
    assertThat(counter.given().when(new Increment(3)).events()).containsExactly(new Incremented(3));
  }

  @Test
  void given_isReusableForSeveralCommands() {
    var atFive = counter.given(List.of(new Incremented(5)));

    atFive.when(new Increment(5)).thenState(new Counter(10));
    atFive.when(new Increment(6)).thenThrows(CommandRejectedException.class, "at 5");
    atFive.when(new Reset()).thenEvents(new WasReset());
  }

  @Test
  void given_withNullEvent_isRejected() {
    assertThatThrownBy(() -> counter.given(new Incremented(1), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("given event #1");
  }

  @Test
  void when_evolveThrowsOnAGivenEvent_failsNamingTheEvent() {
    var broken =
        DeciderFixture.of(
            new Decider<CounterCommand, Counter, CounterEvent>() {
              @Override
              public Counter initialState() {
                return new Counter(0);
              }

              @Override
              public List<CounterEvent> decide(CounterCommand command, Counter state) {
                return List.of();
              }

              @Override
              public Counter evolve(Counter state, CounterEvent event) {
                throw new IllegalStateException("cannot fold " + event);
              }
            });
    var given = broken.given(new Incremented(1));

    assertThatThrownBy(() -> given.when(new Reset()))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("given event #0 Incremented[by=1]")
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void when_decideReturnsNull_fails() {
    var nullReturning =
        DeciderFixture.of(
            new Decider<CounterCommand, Counter, CounterEvent>() {
              @Override
              public Counter initialState() {
                return new Counter(0);
              }

              @Override
              public List<CounterEvent> decide(CounterCommand command, Counter state) {
                return null;
              }

              @Override
              public Counter evolve(Counter state, CounterEvent event) {
                return state;
              }
            });
    var given = nullReturning.given();

    assertThatThrownBy(() -> given.when(new Reset()))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("decide returned null");
  }
}
