package dev.cairn.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Command;

@Command(
    name = "projections",
    mixinStandardHelpOptions = true,
    description = "Projection versions: list them; replay, rebuild, switch, pause and resume them in the running"
        + " services (through the control table).",
    subcommands = {
      ProjectionsCommand.ListVersions.class,
      ProjectionActions.Pause.class,
      ProjectionActions.Resume.class,
      ProjectionActions.Replay.class,
      ProjectionActions.Rebuild.class,
      ProjectionActions.Switch.class
    },
    footerHeading = "%nExample:%n",
    footer = {"  cairn projections list", "  cairn projections pause order_summary"})
final class ProjectionsCommand extends CommandGroup {

  @Override
  String subcommands() {
    return "list, replay, rebuild, switch, pause or resume";
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists every projection version: status (ACTIVE serves readers, BUILDING is being rebuilt),"
          + " source, position, lag (store-fed), last commit, parked events and the last error.",
      footerHeading = "%nExample:%n",
      footer = {"  cairn projections list",
        "  NAME           VERSION  STATUS  SOURCE                 POSITION  LAG  LASTCOMMIT            PARKED",
        "  order_summary  1        ACTIVE  kafka (8 partitions)   -         -    2026-12-02T02:40:00Z  0"})
  static final class ListVersions extends StoreCommand {
    @Override
    int run(Connection.Session session, PrintWriter out) {
      output.rows(out, new Reads(session.store()).projections(), "no projections installed");
      return Cairn.OK;
    }
  }
}
