package dev.cairn.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "streams",
    mixinStandardHelpOptions = true,
    description = "Streams (aggregates) and their events.",
    subcommands = {StreamsCommand.Show.class},
    footerHeading = "%nExample:%n",
    footer = "  cairn streams show ord-1")
final class StreamsCommand extends CommandGroup {

  @Override
  String subcommands() {
    return "show";
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Shows one stream's events in order, with their global position, type, correlation and"
          + " causation ids; with --json also the payload and metadata in full. Exits 3 if there is no such stream.",
      footerHeading = "%nExample:%n",
      footer = {"  cairn streams show ord-1",
        "  cairn streams show ord-1 --json | jq '.events[].payload'"})
  static final class Show extends StoreCommand {

    @Parameters(paramLabel = "STREAM-ID", description = "the stream's id, e.g. ord-1")
    private String streamId;

    @Option(names = "--after", paramLabel = "VERSION", defaultValue = "0",
        description = "show events after this version (default ${DEFAULT-VALUE})")
    private long after;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
        description = "at most this many events, 1..10000 (default ${DEFAULT-VALUE})")
    private int limit;

    @Override
    void check() {
      requireLimit(limit);
    }

    @Override
    int run(Connection.Session session, PrintWriter out) {
      Reads reads = new Reads(session.store());
      var stream = reads.stream(streamId);
      if (stream == null) {
        throw new Failures.NotFound("no stream " + streamId + " in " + session.store().qualifiedTable("streams"));
      }
      var events = reads.streamEvents(streamId, after, limit);
      if (output.json) {
        stream.put("events", events);
        Output.print(out, stream);
        return Cairn.OK;
      }
      out.println("stream " + streamId + " (type " + stream.get("streamType") + ", version " + stream.get("version")
          + ")");
      events.forEach(e -> {
        e.remove("metadata");
        e.remove("eventId");
      });
      out.print(events.isEmpty() ? "no events after version " + after + "\n" : Output.table(events));
      return Cairn.OK;
    }
  }
}
