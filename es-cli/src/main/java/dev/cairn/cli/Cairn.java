package dev.cairn.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code cairn} command line: status, operations and diagnosis of a Cairn store, its relay and
 * its projections, from another process than the service, with only the database's JDBC URL (and
 * Kafka's bootstrap servers where Kafka is involved). Mutations go through the control table that
 * running services watch, and are written to the audit table.
 *
 * <p>Exit codes: {@value #OK} success; {@value #PROBLEM} {@code doctor} found a problem; {@value
 * #USAGE} bad usage; {@value #NOT_FOUND} no such projection, dead letter or stream; {@value
 * #CANNOT_CONNECT} the database (or Kafka) cannot be reached; {@value #FAILED} the action was
 * refused or failed.
 */
@Command(
    name = "cairn",
    mixinStandardHelpOptions = true,
    versionProvider = Cairn.Version.class,
    description = "Operate a Cairn event store, its relay and its projections.",
    subcommands = {
      StatusCommand.class,
      ProjectionsCommand.class,
      DeadLettersCommand.class,
      StreamsCommand.class,
      RelayCommand.class,
      AuditCommand.class,
      WorkflowsCommand.class,
      DoctorCommand.class,
      AutoComplete.GenerateCompletion.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:doctor found a problem",
      "2:bad usage (unknown option, bad value)",
      "3:no such projection, dead letter or stream",
      "4:cannot connect to the database or Kafka",
      "5:the action was refused or failed"
    },
    footerHeading = "%nExample:%n",
    footer = {
      "  export CAIRN_JDBC_URL='jdbc:postgresql://127.0.0.1:5432/orders?user=postgres'",
      "  cairn status",
      "  cairn doctor --bootstrap-servers 127.0.0.1:9092",
      "  source <(cairn generate-completion)   # shell completion for bash and zsh"
    })
public final class Cairn implements Runnable {

  /** Exit code: success. */
  public static final int OK = 0;
  /** Exit code: {@code doctor} found a problem. */
  public static final int PROBLEM = 1;
  /** Exit code: bad usage. */
  public static final int USAGE = 2;
  /** Exit code: no such projection, dead letter or stream. */
  public static final int NOT_FOUND = 3;
  /** Exit code: the database or Kafka cannot be reached. */
  public static final int CANNOT_CONNECT = 4;
  /** Exit code: the action was refused or failed. */
  public static final int FAILED = 5;

  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  private Cairn() {}

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is missing: see cairn --help");
  }

  /**
   * Runs the command line and exits the JVM with its exit code.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    // The pool's and Kafka clients' INFO lines would drown a command's output.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    System.exit(run(out, err, args));
  }

  /**
   * Runs the command line in this JVM, printing to the given writers, and returns the exit code.
   *
   * @param out where results go
   * @param err where errors and usage help for bad usage go
   * @param args the arguments
   * @return the exit code
   */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    try {
      return cl.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /**
   * Returns the command line model, configured with its exit codes, for running or for
   * generating completion scripts.
   *
   * @return a new command line
   */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Cairn());
    cl.setExecutionExceptionHandler(new Failures());
    cl.setExitCodeExceptionMapper(Failures::exitCode);
    // A subcommand named in the @Command above.
    CommandLine completion =
        Objects.requireNonNull(cl.getSubcommands().get("generate-completion"), "generate-completion");
    completion.getCommandSpec().usageMessage().hidden(false);
    return cl;
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Cairn.class.getPackage().getImplementationVersion();
      return new String[] {"cairn " + (v == null ? "(development build)" : v)};
    }
  }
}
