package dev.cairn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A command that only groups subcommands ({@code dead-letters}, {@code projections}, {@code relay},
 * {@code streams}): run without one, it is a usage error naming the subcommands.
 */
abstract class CommandGroup implements Runnable {

  @Spec CommandSpec spec;

  /** The subcommands, as the usage error names them, e.g. {@code "list or show"}. */
  abstract String subcommands();

  @Override
  public final void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is missing: " + subcommands());
  }
}
