package dev.cairn.api;

/**
 * A decider refused a command because it breaks a rule of the domain. Deciders may throw it (or
 * their own exceptions); it is never retried.
 */
public class CommandRejectedException extends CairnException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which rule the command breaks, with the values involved
   */
  public CommandRejectedException(String message) {
    super(message);
  }
}
