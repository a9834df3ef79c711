package dev.cairn.workflows;

import java.time.Instant;
import java.util.List;

/**
 * One input a process instance handled, and what it did about it.
 *
 * @param seq the input's place in the instance's stream, from 1
 * @param input what kind of input: the event type, {@code deadline:<name>} or {@code refused:<command>}
 * @param detail more about it: the source stream, the refusal's reason, or why it was ignored
 * @param actions what the process did, one line per action with its outcome
 * @param at when the input was recorded
 */
public record HistoryEntry(long seq, String input, String detail, List<String> actions, Instant at) {

  /** Copies the list. */
  public HistoryEntry {
    actions = List.copyOf(actions);
  }
}
