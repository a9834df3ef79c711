package dev.cairn.workflows;

import dev.cairn.api.EventEnvelope;
import java.util.List;
import java.util.Optional;

/**
 * A process that spans aggregates, in the decider style: it folds its inputs into a state and
 * reacts to each with actions (commands to aggregates, deadlines, cancellations). It holds no
 * mutable state and touches no infrastructure; a {@link Workflow} runs it.
 *
 * <p>Its inputs are the events it follows, the firings of its deadlines and the refusals of its
 * own commands ({@link Input}). All inputs of one process instance are handled one at a time, in
 * the order they were recorded in the instance's own stream, so that two inputs that meet (a
 * payment authorized as its deadline fires) have exactly one outcome.
 *
 * @param <S> the state, an immutable record
 */
public interface ProcessManager<S> {

  /**
   * Names the process instance an event belongs to, or none if the process does not follow it.
   *
   * @param event a stored event of a type the workflow follows
   * @return the process id (an order id, a correlation id), or empty
   */
  Optional<String> processId(EventEnvelope<?> event);

  /**
   * Returns the state of an instance that has seen no input.
   *
   * @return the initial state
   */
  S initialState();

  /**
   * Folds one input into the state.
   *
   * @param state the state before the input
   * @param input the input
   * @return the state after it
   */
  S evolve(S state, Input input);

  /**
   * Decides what to do about an input, given the state with the input already folded in. The
   * actions run in order, each on its own: a command that is refused does not stop the later ones
   * (its refusal arrives as a later input), so a reaction should not send a command that only
   * makes sense if an earlier one of the same reaction succeeds.
   *
   * @param state the state after {@link #evolve}
   * @param input the input
   * @return the actions, run in order; possibly none
   */
  List<Action> react(S state, Input input);
}
