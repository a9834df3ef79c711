package dev.cairn.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(
    name = "dead-letters",
    mixinStandardHelpOptions = true,
    description = "Events a projection could not apply (parked) and those held behind them.",
    subcommands = {DeadLettersCommand.ListLetters.class, DeadLettersCommand.Show.class, DeadLettersCommand.Retry.class,
      DeadLettersCommand.Skip.class},
    footerHeading = "%nExample:%n",
    footer = {"  cairn dead-letters list --projection order_summary", "  cairn dead-letters show 7"})
final class DeadLettersCommand extends CommandGroup {

  @Override
  String subcommands() {
    return "list, show, retry or skip";
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists open dead letters (parked and held), newest first, filtered by projection, stream or"
          + " error text.",
      footerHeading = "%nExample:%n",
      footer = {"  cairn dead-letters list --projection order_summary --error 'sku'",
        "  ID  PROJECTION     VERSION  STATUS  STREAM  STREAMVERSION  EVENTTYPE   POSITION  ATTEMPTS  ...",
        "  7   order_summary  1        PARKED  ord-1   2              OrderPaid   812/33    3         ..."})
  static final class ListLetters extends StoreCommand {

    @Option(names = "--projection", paramLabel = "NAME", description = "only this projection's")
    private @Nullable String projection;

    @Option(names = "--stream", paramLabel = "STREAM-ID", description = "only this stream's")
    private @Nullable String stream;

    @Option(names = "--error", paramLabel = "TEXT", description = "only those whose error contains this text"
        + " (case-insensitive)")
    private @Nullable String error;

    @Option(names = "--all", description = "also the resolved ones (applied or skipped)")
    private boolean all;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50",
        description = "at most this many, 1..10000 (default ${DEFAULT-VALUE})")
    private int limit;

    @Override
    void check() {
      requireLimit(limit);
    }

    @Override
    int run(Connection.Session session, PrintWriter out) {
      var rows = new Reads(session.store()).deadLetters(projection, stream, error, all, limit);
      output.rows(out, rows, all ? "no dead letters" : "no open dead letters");
      return Cairn.OK;
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Shows one dead letter in full: the event's payload and metadata, its coordinates, the error"
          + " with its stack and the attempts. Exits 3 if there is no such dead letter.",
      footerHeading = "%nExample:%n",
      footer = "  cairn dead-letters show 7 --json | jq .payload")
  static final class Show extends StoreCommand {

    @Parameters(paramLabel = "ID", description = "the dead letter's id, as list shows it")
    private long id;

    @Override
    int run(Connection.Session session, PrintWriter out) {
      var letter = new Reads(session.store()).deadLetter(id);
      if (letter == null) {
        throw new Failures.NotFound("no dead letter " + id);
      }
      if (output.json) {
        Output.print(out, letter);
        return Cairn.OK;
      }
      Object stack = letter.remove("stack");
      Object payload = letter.remove("payload");
      Object metadata = letter.remove("metadata");
      output.object(out, letter);
      out.println("payload:  " + payload);
      out.println("metadata: " + metadata);
      out.println("stack:");
      out.println(stack == null ? "-" : stack.toString().stripTrailing());
      return Cairn.OK;
    }
  }

  /** Retry and skip: a request in the control table for a runner (or service) of the dead letter's version. */
  abstract static class Resolve implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Connection connection;
    @Mixin Output output;
    @Mixin Mutation mutation;

    @Parameters(paramLabel = "ID", description = "the dead letter's id, as list shows it")
    long id;

    abstract boolean skip();

    @Override
    public Integer call() {
      return mutation.run(spec.commandLine(), connection, output,
          ops -> ops.resolve(id, skip(), mutation.actor, Mutation.remote()));
    }
  }

  @Command(
      name = "retry",
      mixinStandardHelpOptions = true,
      description = "Has a running service apply a parked event again (after a fix), then the events held behind"
          + " it. Exits 0 when it was applied, 5 if it failed again (it stays parked), 3 if there is no such dead"
          + " letter.",
      footerHeading = "%nExample:%n",
      footer = {"  cairn dead-letters retry 7", "  status:      DONE"})
  static final class Retry extends Resolve {
    @Override
    boolean skip() {
      return false;
    }
  }

  @Command(
      name = "skip",
      mixinStandardHelpOptions = true,
      description = "Has a running service give up on a parked event and apply the events held behind it.",
      footerHeading = "%nExample:%n",
      footer = "  cairn dead-letters skip 7 --actor alice")
  static final class Skip extends Resolve {
    @Override
    boolean skip() {
      return true;
    }
  }
}
