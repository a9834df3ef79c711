package dev.cairn.testkit;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.Decider;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.opentest4j.AssertionFailedError;

/**
 * Tests a {@link Decider} in given/when/then form, with no infrastructure: the given events are
 * folded into a state, the command is decided in that state, and the outcome is checked.
 *
 * <pre>{@code
 * DeciderFixture<OrderCommand, Order, OrderEvent> orders = DeciderFixture.of(new OrderDecider());
 *
 * orders.given(new OrderPlaced("o-1", 500))
 *     .when(new ShipOrder("o-1"))
 *     .thenEvents(new OrderShipped("o-1"));
 *
 * orders.given()
 *     .when(new ShipOrder("o-1"))
 *     .thenThrows(CommandRejectedException.class, "not placed");
 * }</pre>
 *
 * <p>Every step returns a new immutable object, so one fixture (or one {@link Given}) may serve
 * several commands. A failed expectation throws {@link AssertionFailedError} carrying the expected
 * and the actual value, so IDEs can show the difference.
 *
 * @param <C> the command family
 * @param <S> the state
 * @param <E> the event family
 */
public final class DeciderFixture<C, S, E> {

  private final Decider<C, S, E> decider;

  private DeciderFixture(Decider<C, S, E> decider) {
    this.decider = decider;
  }

  /**
   * Creates a fixture for a decider.
   *
   * @param decider the decider under test
   * @param <C> the command family
   * @param <S> the state
   * @param <E> the event family
   * @return the fixture
   * @throws NullPointerException if the decider is null
   */
  public static <C, S, E> DeciderFixture<C, S, E> of(Decider<C, S, E> decider) {
    return new DeciderFixture<>(requireNonNull(decider, "decider"));
  }

  /**
   * Starts a scenario from the events a stream already holds; none means a fresh stream in the
   * decider's initial state.
   *
   * @param events the past events, oldest first
   * @return the scenario's starting point
   * @throws NullPointerException if the array or one of the events is null
   */
  @SafeVarargs
  public final Given<C, S, E> given(E... events) {
    // Copied element by element: javac's lint counts any hand-over of the array as a leak.
    if (events == null) {
      throw new NullPointerException("events");
    }
    List<E> list = new ArrayList<>(events.length);
    for (E event : events) {
      list.add(event);
    }
    return given(list);
  }

  /**
   * Starts a scenario from the events a stream already holds, given as a list; an empty list means
   * a fresh stream in the decider's initial state.
   *
   * @param events the past events, oldest first
   * @return the scenario's starting point
   * @throws NullPointerException if the list or one of its events is null
   */
  public Given<C, S, E> given(List<? extends E> events) {
    return new Given<>(decider, copyWithoutNulls(events, "given event"));
  }

  /**
   * A stream's past: the events a command will be decided against.
   *
   * @param <C> the command family
   * @param <S> the state
   * @param <E> the event family
   */
  public static final class Given<C, S, E> {

    private final Decider<C, S, E> decider;
    private final List<E> history;

    private Given(Decider<C, S, E> decider, List<E> history) {
      this.decider = decider;
      this.history = history;
    }

    /**
     * Folds the given events into a state, from the decider's initial state, and decides the
     * command in it. A failure of {@code decide} is kept for {@link Then#thenThrows}; a failure of
     * {@code evolve} on a given event is a broken fixture and fails at once.
     *
     * @param command the command
     * @return the outcome, to be checked
     * @throws NullPointerException if the command is null
     * @throws AssertionFailedError if {@code evolve} throws on a given event, or {@code decide}
     *     returns null instead of a list
     */
    public Then<C, S, E> when(C command) {
      requireNonNull(command, "command");
      S state = fold(decider, decider.initialState(), history, "given");
      List<E> decided;
      try {
        decided = decider.decide(command, state);
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) {
        // A rejection is an outcome like any other: the then-step decides whether it was wanted.
        return new Then<>(decider, command, state, null, e);
      }
      if (decided == null) {
        throw new AssertionFailedError(
            "when "
                + command
                + ": decide returned null; a decider returns an empty list for no events");
      }
      return new Then<>(
          decider, command, state, Collections.unmodifiableList(new ArrayList<>(decided)), null);
    }
  }

  /**
   * What {@code decide} did with a command: the events it returned, or what it threw. Each {@code
   * then} method checks one expectation and returns this outcome, so they chain.
   *
   * @param <C> the command family
   * @param <S> the state
   * @param <E> the event family
   */
  public static final class Then<C, S, E> {

    private final Decider<C, S, E> decider;
    private final C command;
    private final S stateBefore;
    private final @Nullable List<E> decided; // null when decide threw
    private final @Nullable Throwable thrown; // null when decide returned

    private Then(
        Decider<C, S, E> decider,
        C command,
        S stateBefore,
        @Nullable List<E> decided,
        @Nullable Throwable thrown) {
      this.decider = decider;
      this.command = command;
      this.stateBefore = stateBefore;
      this.decided = decided;
      this.thrown = thrown;
    }

    /**
     * Checks that {@code decide} returned exactly these events, in this order, by {@code equals}.
     *
     * @param expected the expected events
     * @return this outcome
     * @throws NullPointerException if the array or one of the events is null
     * @throws AssertionFailedError if {@code decide} threw or returned other events
     */
    @SafeVarargs
    public final Then<C, S, E> thenEvents(E... expected) {
      if (expected == null) {
        throw new NullPointerException("expected");
      }
      List<E> list = new ArrayList<>(expected.length);
      for (E event : expected) {
        list.add(event);
      }
      return thenEvents(list);
    }

    /**
     * Checks that {@code decide} returned exactly the events of a list, in its order, by {@code
     * equals}.
     *
     * @param expected the expected events
     * @return this outcome
     * @throws NullPointerException if the list or one of its events is null
     * @throws AssertionFailedError if {@code decide} threw or returned other events
     */
    public Then<C, S, E> thenEvents(List<? extends E> expected) {
      List<E> wanted = copyWithoutNulls(expected, "expected event");
      List<E> actual = decidedOrFail("expected events " + wanted);
      if (!wanted.equals(actual)) {
        throw new AssertionFailedError(
            "when "
                + command
                + ":\n  expected events: "
                + wanted
                + "\n  but decide returned: "
                + actual
                + "\n  ("
                + firstDifference(wanted, actual)
                + ")",
            wanted,
            actual);
      }
      return this;
    }

    /**
     * Checks that {@code decide} accepted the command and returned no events.
     *
     * @return this outcome
     * @throws AssertionFailedError if {@code decide} threw or returned events
     */
    public Then<C, S, E> thenNoEvents() {
      List<E> actual = decidedOrFail("expected no events");
      if (!actual.isEmpty()) {
        throw new AssertionFailedError(
            "when " + command + ": expected no events but decide returned " + actual,
            List.of(),
            actual);
      }
      return this;
    }

    /**
     * Checks that {@code decide} threw an exception of a type (or a subtype of it), and returns the
     * exception for further checks.
     *
     * @param type the expected exception type
     * @param <X> the exception type
     * @return the exception {@code decide} threw
     * @throws NullPointerException if the type is null
     * @throws AssertionFailedError if {@code decide} returned events or threw another type
     */
    public <X extends Throwable> X thenThrows(Class<X> type) {
      requireNonNull(type, "type");
      if (thrown == null) {
        throw new AssertionFailedError(
            "when "
                + command
                + ": expected decide to throw "
                + type.getName()
                + " but it returned events "
                + decided,
            type.getName(),
            decided);
      }
      if (!type.isInstance(thrown)) {
        throw new AssertionFailedError(
            "when "
                + command
                + ": expected decide to throw "
                + type.getName()
                + " but it threw "
                + thrown,
            type.getName(),
            thrown.getClass().getName(),
            thrown);
      }
      return type.cast(thrown);
    }

    /**
     * Checks that {@code decide} threw an exception of a type (or a subtype of it) whose message
     * contains a text, and returns the exception for further checks.
     *
     * @param type the expected exception type
     * @param messagePart text the exception's message must contain
     * @param <X> the exception type
     * @return the exception {@code decide} threw
     * @throws NullPointerException if the type or the text is null
     * @throws AssertionFailedError if {@code decide} returned events, threw another type, or threw
     *     with a message that lacks the text
     */
    public <X extends Throwable> X thenThrows(Class<X> type, String messagePart) {
      requireNonNull(messagePart, "messagePart");
      X exception = thenThrows(type);
      String message = exception.getMessage();
      if (message == null || !message.contains(messagePart)) {
        throw new AssertionFailedError(
            "when "
                + command
                + ": expected decide to throw "
                + type.getName()
                + " with a message containing \""
                + messagePart
                + "\" but its message was "
                + (message == null ? "null" : "\"" + message + "\""),
            messagePart,
            message,
            exception);
      }
      return exception;
    }

    /**
     * Checks the state after the given events and the decided ones are folded, by {@code equals}.
     *
     * @param expected the expected state
     * @return this outcome
     * @throws AssertionFailedError if {@code decide} threw, {@code evolve} threw on a decided
     *     event, or the state differs
     */
    public Then<C, S, E> thenState(S expected) {
      List<E> events = decidedOrFail("expected state " + expected);
      S actual = fold(decider, stateBefore, events, "decided");
      if (!Objects.equals(expected, actual)) {
        throw new AssertionFailedError(
            "when "
                + command
                + ":\n  expected state: "
                + expected
                + "\n  but was: "
                + actual
                + "\n  after decided events "
                + events,
            expected,
            actual);
      }
      return this;
    }

    /**
     * Returns the events {@code decide} returned, for checks this class does not offer (events with
     * generated ids or timestamps, for example).
     *
     * @return the events, unmodifiable
     * @throws AssertionFailedError if {@code decide} threw
     */
    public List<E> events() {
      return decidedOrFail("expected events");
    }

    private List<E> decidedOrFail(String expectation) {
      if (decided == null) { // decide threw
        throw new AssertionFailedError(
            "when " + command + ": " + expectation + " but decide threw " + thrown, thrown);
      }
      return decided;
    }
  }

  private static <S, E> S fold(
      Decider<?, S, ? super E> decider, S initial, List<E> events, String which) {
    S state = initial;
    for (int i = 0; i < events.size(); i++) {
      E event = events.get(i);
      try {
        state = decider.evolve(state, event);
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) {
        throw new AssertionFailedError(
            "evolve threw on "
                + which
                + " event #"
                + i
                + " "
                + event
                + " in state "
                + state
                + ": "
                + e,
            e);
      }
    }
    return state;
  }

  private static <E> List<E> copyWithoutNulls(List<? extends E> events, String what) {
    requireNonNull(events, what + "s");
    for (int i = 0; i < events.size(); i++) {
      requireNonNull(events.get(i), what + " #" + i);
    }
    return List.copyOf(events);
  }

  private static String firstDifference(List<?> expected, List<?> actual) {
    int common = Math.min(expected.size(), actual.size());
    for (int i = 0; i < common; i++) {
      if (!Objects.equals(expected.get(i), actual.get(i))) {
        return "first difference at index "
            + i
            + ": expected "
            + expected.get(i)
            + " but was "
            + actual.get(i);
      }
    }
    return "expected " + expected.size() + " events but decide returned " + actual.size();
  }
}
