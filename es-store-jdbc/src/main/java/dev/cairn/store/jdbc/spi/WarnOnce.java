package dev.cairn.store.jdbc.spi;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * Logs a failure at WARN the first time it is seen and at DEBUG while it repeats, so a relay that
 * retries against a down broker, or a listener against a down database, does not flood the log.
 * Confined to one thread.
 */
public final class WarnOnce {

  private final Logger log;
  private @Nullable String last;

  /**
   * Creates the reporter.
   *
   * @param log where to log
   */
  public WarnOnce(Logger log) {
    this.log = log;
  }

  /**
   * Logs a failure, at WARN unless it is the same as the previous one.
   *
   * @param what what was being done
   * @param error the failure
   * @return the failure's description, {@code what: class: message}
   */
  public String report(String what, Throwable error) {
    String description = describe(what, error);
    if (description.equals(last)) {
      log.debug("{} (again)", description, error);
    } else {
      log.warn("{}", description, error);
      last = description;
    }
    return description;
  }

  /**
   * Forgets the last failure, so the next one is logged at WARN again.
   *
   * @return whether there was one, i.e. this ends a run of failures
   */
  public boolean clear() {
    boolean failing = last != null;
    last = null;
    return failing;
  }

  /**
   * Describes a failure by its class and message and those of its root cause.
   *
   * @param what what was being done
   * @param error the failure
   * @return the description
   */
  public static String describe(String what, Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = what + ": " + error.getClass().getSimpleName() + ": " + error.getMessage();
    if (root != error) {
      text += " (caused by " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
    return text;
  }
}
