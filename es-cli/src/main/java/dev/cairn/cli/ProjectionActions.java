package dev.cairn.cli;

import dev.cairn.projections.ProjectionCommand.Type;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The mutating projection commands: each a request in the control table, audited. */
final class ProjectionActions {

  private ProjectionActions() {}

  /** The options every projection action shares. */
  abstract static class Action implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Connection connection;
    @Mixin Output output;
    @Mixin Mutation mutation;

    @Parameters(index = "0", paramLabel = "NAME", description = "the projection's name, e.g. order_summary")
    String name;

    @Option(names = "--version", paramLabel = "N", description = "the version (default: the serving one)")
    @Nullable Integer version;

    abstract Type type();

    Map<String, Object> arguments() {
      return Map.of();
    }

    @Override
    public Integer call() {
      return mutation.run(spec.commandLine(), connection, output,
          ops -> ops.request(name, version, type(), arguments(), mutation.actor, Mutation.remote()));
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true,
      description = "Pauses every runner of a projection version, in every running service, after its current"
          + " batch (within about a second); a runner started later starts paused. Lasts until resume.",
      footerHeading = "%nExample:%n",
      footer = {"  cairn projections pause order_summary", "  status:      DONE", "  result:      paused; runners follow within about a second"})
  static final class Pause extends Action {
    @Override
    Type type() {
      return Type.PAUSE;
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true,
      description = "Resumes the runners of a paused projection version, in every running service.",
      footerHeading = "%nExample:%n", footer = "  cairn projections resume order_summary")
  static final class Resume extends Action {
    @Override
    Type type() {
      return Type.RESUME;
    }
  }

  @Command(name = "replay", mixinStandardHelpOptions = true,
      description = "Empties a projection version's tables and dead letters and has a running runner apply its"
          + " source again: from the beginning (the default), from an instant, from a global position (store-fed"
          + " runner) or from offsets (Kafka-fed runner).",
      footerHeading = "%nExample:%n",
      footer = {"  cairn projections replay order_summary",
        "  cairn projections replay order_summary --from 2026-12-01T00:00:00Z",
        "  cairn projections replay order_summary --offset order-0=120 --offset order-1=98"})
  static final class Replay extends Action {
    @ArgGroup(exclusive = true)
    @Nullable Start start;

    static final class Start {
      @Option(names = "--from", paramLabel = "beginning|INSTANT",
          description = "'beginning' or an ISO-8601 instant, e.g. 2026-12-01T00:00:00Z")
      @Nullable String from;

      @Option(names = "--position", paramLabel = "TX/POS", description = "a global position, e.g. 812/40")
      @Nullable String position;

      @Option(names = "--offset", paramLabel = "TOPIC-PARTITION=OFFSET",
          description = "a Kafka offset per partition (repeatable); partitions not named start at the beginning")
      @Nullable Map<String, Long> offsets;
    }

    @Override
    Type type() {
      return Type.REPLAY;
    }

    @Override
    Map<String, Object> arguments() {
      Map<String, Object> args = new LinkedHashMap<>();
      if (start == null || start.from != null) {
        args.put("from", start == null ? "beginning" : start.from);
      } else if (start.position != null) {
        args.put("position", start.position);
      } else {
        args.put("offsets", new LinkedHashMap<>(start.offsets));
      }
      return args;
    }
  }

  @Command(name = "rebuild", mixinStandardHelpOptions = true,
      description = "Builds a new projection version beside the serving one (readers keep the old one until the"
          + " switch). Executed by a running service whose code knows that version.",
      footerHeading = "%nExample:%n",
      footer = {"  cairn projections rebuild order_summary --version 2 --switch-when-caught-up"})
  static final class Rebuild extends Action {
    @Option(names = "--switch-when-caught-up", description = "switch readers to it once it has caught up")
    boolean switchWhenCaughtUp;

    @Override
    Type type() {
      return Type.REBUILD;
    }

    @Override
    Map<String, Object> arguments() {
      return Map.of("switchWhenCaughtUp", switchWhenCaughtUp);
    }
  }

  @Command(name = "switch", mixinStandardHelpOptions = true,
      description = "Switches readers to an installed projection version in one transaction and retires the one"
          + " that served. Executed by a running service whose code knows that version.",
      footerHeading = "%nExample:%n", footer = "  cairn projections switch order_summary --version 2")
  static final class Switch extends Action {
    @Override
    Type type() {
      return Type.SWITCH;
    }

    @Override
    public Integer call() {
      if (version == null) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "switch needs --version: the version readers should see");
      }
      return super.call();
    }
  }
}
