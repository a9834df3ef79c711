package dev.cairn.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What every command that reads the store shares: the connection and output options, the usage
 * checks made before the database is opened, and a session held open around the work.
 */
abstract class StoreCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin Connection connection;
  @Mixin Output output;

  /** Checks the options before the database is opened; throws {@link #usage} for a bad one. */
  void check() {}

  /**
   * Does the command's work.
   *
   * @param session the open store, closed afterwards
   * @param out where the command prints
   * @return the exit code
   */
  abstract int run(Connection.Session session, PrintWriter out);

  @Override
  public final Integer call() {
    check();
    try (Connection.Session session = connection.open()) {
      return run(session, spec.commandLine().getOut());
    }
  }

  /** A usage error (exit {@value Cairn#USAGE}) for this command, naming the value and the rule. */
  final CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  /** Refuses a {@code --limit} outside 1..10000. */
  final void requireLimit(int limit) {
    if (limit < 1 || limit > 10_000) {
      throw usage("--limit must be between 1 and 10000 but was " + limit);
    }
  }
}
