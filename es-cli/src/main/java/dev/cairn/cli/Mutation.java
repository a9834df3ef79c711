package dev.cairn.cli;

import static dev.cairn.cli.Output.row;

import dev.cairn.admin.CairnAdmin;
import dev.cairn.admin.Operations;
import dev.cairn.projections.ProjectionCommand;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * What every mutating command shares: who asks, how long to wait for a running service to
 * execute the request, and how the outcome is printed. The request goes through es-admin's
 * {@link Operations}: written to the control table, which the runners of every running service
 * watch, and recorded in the audit table.
 */
final class Mutation {

  @Option(names = "--actor", paramLabel = "NAME", defaultValue = "${sys:user.name}",
      description = "who asks, for the audit log (default: your user name, ${DEFAULT-VALUE})")
  String actor;

  @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "30",
      description = "how long to wait for a running service to execute the request (default ${DEFAULT-VALUE};"
          + " 0 returns at once with the request PENDING)")
  long waitSeconds;

  /** Asks, waits and prints; returns the exit code. */
  int run(CommandLine cl, Connection connection, Output output, Function<Operations, ProjectionCommand> ask) {
    if (waitSeconds < 0) {
      throw new CommandLine.ParameterException(cl, "--wait must be 0 or more seconds but was " + waitSeconds);
    }
    requireActor(cl, actor);
    try (Connection.Session session = connection.open()) {
      CairnAdmin admin = CairnAdmin.builder(session.store()).build();
      admin.migrate(); // the audit table, if no service created it yet
      Operations operations = admin.operations();
      ProjectionCommand asked = ask.apply(operations);
      boolean open = asked.status() == ProjectionCommand.Status.PENDING || asked.status() == ProjectionCommand.Status.RUNNING;
      ProjectionCommand done = open && waitSeconds > 0
          ? operations.await(asked.id(), Duration.ofSeconds(waitSeconds))
          : asked;
      print(cl.getOut(), output, done);
      return switch (done.status()) {
        case DONE -> Cairn.OK;
        case FAILED -> Cairn.FAILED;
        case PENDING, RUNNING -> {
          if (waitSeconds > 0) {
            cl.getErr().println("cairn: request " + done.id() + " is still " + done.status() + " after " + waitSeconds
                + " s: " + (done.status() == ProjectionCommand.Status.PENDING
                    ? "no running service executes " + done.command() + " for " + done.projection() + " v"
                        + done.version() + " (is one running? cairn projections list shows its runners)"
                    : "it is being executed; cairn audit and the service's log tell how it ends"));
            yield Cairn.FAILED;
          }
          yield Cairn.OK;
        }
      };
    }
  }

  /** Refuses an {@code --actor} the audit log cannot record: 1 to 100 characters. */
  static void requireActor(CommandLine cl, String actor) {
    if (actor == null || actor.isBlank() || actor.length() > 100) {
      throw new CommandLine.ParameterException(cl, "--actor must be 1 to 100 characters but was '" + actor + "'");
    }
  }

  /** The remote address recorded in the audit log: this host, marked as the CLI. */
  static String remote() {
    try {
      return "cli@" + InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "cli";
    }
  }

  private static void print(PrintWriter out, Output output, ProjectionCommand c) {
    Map<String, @Nullable Object> row = row("id", c.id(), "projection", c.projection(), "version", c.version(),
        "command", c.command().name(), "arguments", c.arguments(), "requestedBy", c.requestedBy(),
        "status", c.status().name(), "result", c.result(), "executedBy", c.executedBy(),
        "executedAt", c.executedAt() == null ? null : c.executedAt().toString());
    output.object(out, row);
  }
}
