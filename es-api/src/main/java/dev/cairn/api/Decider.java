package dev.cairn.api;

import java.util.List;

/**
 * The behaviour of an aggregate as three pure functions: a decider turns a command and the
 * current state into new events, and folds events into state. It holds no mutable state and
 * touches no infrastructure, so it is tested without any.
 *
 * @param <C> the command family, usually a sealed interface of records
 * @param <S> the state, an immutable record
 * @param <E> the event family, a sealed interface of records
 */
public interface Decider<C, S, E> {

  /**
   * Returns the state of a stream that has no events yet.
   *
   * @return the initial state
   */
  S initialState();

  /**
   * Decides which events a command causes in the given state.
   *
   * @param command the command
   * @param state the current state
   * @return the new events, possibly none
   * @throws CommandRejectedException (or an exception of the domain) if the command breaks a rule
   */
  List<E> decide(C command, S state);

  /**
   * Folds one event into the state.
   *
   * @param state the state before the event
   * @param event the event
   * @return the state after the event
   */
  S evolve(S state, E event);
}
