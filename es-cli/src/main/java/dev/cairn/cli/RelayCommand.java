package dev.cairn.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Command;

@Command(
    name = "relay",
    mixinStandardHelpOptions = true,
    description = "The relay to Kafka.",
    subcommands = {RelayCommand.Status.class},
    footerHeading = "%nExample:%n",
    footer = "  cairn relay status")
final class RelayCommand extends CommandGroup {

  @Override
  String subcommands() {
    return "status";
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Shows each relay's last committed position, how many events wait behind it, when it last"
          + " committed, and which process holds the relay lock.",
      footerHeading = "%nExample:%n",
      footer = {"  cairn relay status --jdbc-url jdbc:postgresql://127.0.0.1:5432/orders?user=postgres",
        "  TRANSACTIONALID      POSITION  EVENTSBEHIND  UPDATEDAT",
        "  cairn-relay-public   812/40    0             2026-12-02T02:40:00Z"})
  static final class Status extends StoreCommand {
    @Override
    int run(Connection.Session session, PrintWriter out) {
      var relays = new Reads(session.store()).relays();
      var lock = dev.cairn.admin.Doctor.builder(session.store()).build().run().stream()
          .filter(f -> f.check().equals("relay-lock")).findFirst().orElseThrow();
      if (output.json) {
        Output.print(out, Output.row("relays", relays, "lock", lock.message()));
        return Cairn.OK;
      }
      out.print(relays.isEmpty() ? "no relay has published from this store yet\n" : Output.table(relays));
      out.println("lock: " + lock.message());
      return Cairn.OK;
    }
  }
}
