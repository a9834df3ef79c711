package dev.cairn.cli;

import static dev.cairn.cli.Output.row;

import dev.cairn.store.jdbc.FenceDelay;
import dev.cairn.store.jdbc.OpenTransaction;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;

@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = "Shows the store (head, streams, events, the transaction holding the fence), the relays and every"
        + " projection version with its lag and parked events.",
    footerHeading = "%nExample:%n",
    footer = {"  cairn status --jdbc-url jdbc:postgresql://127.0.0.1:5432/orders?user=postgres",
      "  cairn status --json | jq '.projections[] | select(.lag > 0)'"})
final class StatusCommand extends StoreCommand {

  @Override
  int run(Connection.Session session, PrintWriter out) {
    var store = session.store();
    Reads reads = new Reads(store);
    List<Map<String, @Nullable Object>> types = reads.streamTypes();
    FenceDelay fence = store.fenceDelay();
    OpenTransaction open = store.oldestOpenTransaction().orElse(null);
    Map<String, @Nullable Object> storeRow = row(
        "head", store.headPosition().toString(),
        "streams", types.stream().mapToLong(t -> (Long) t.get("streams")).sum(),
        "events", types.stream().mapToLong(t -> (Long) t.get("events")).sum(),
        "eventsWaitingAtFence", fence.eventsWaiting(),
        "oldestOpenTransaction", open == null ? null : row("pid", open.pid(), "database", open.database(),
            "ageMs", open.age().toMillis(), "state", open.state(), "query", open.query()));
    List<Map<String, @Nullable Object>> relays = reads.relays();
    List<Map<String, @Nullable Object>> projections = reads.projections();
    if (output.json) {
      Output.print(out, row("at", Instant.now().toString(), "store", storeRow, "streamTypes", types,
          "relays", relays, "projections", projections));
      return Cairn.OK;
    }
    out.println("Store " + store.schema() + " — head " + storeRow.get("head") + ", " + storeRow.get("streams")
        + " streams, " + storeRow.get("events") + " events");
    out.println(open == null
        ? "  fence: no transaction holds it"
        : "  fence: held " + open.age().toSeconds() + " s by pid " + open.pid() + " (" + open.state() + "), "
            + fence.eventsWaiting() + " events wait behind it");
    out.println();
    out.println("Relays");
    out.print(relays.isEmpty() ? "  none has published yet\n" : Output.table(relays));
    out.println();
    out.println("Projections");
    out.print(projections.isEmpty() ? "  none installed\n" : Output.table(projections));
    return Cairn.OK;
  }
}
