package dev.cairn.cli;

import static dev.cairn.cli.Output.row;

import dev.cairn.admin.Doctor;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = {
      "Runs every check that explains a stall: a transaction or prepared transaction holding the global-order"
          + " fence (pid, age, query), who holds the relay's lock, transaction ids that went backwards, the"
          + " position topic's cleanup policy, event size limits against the topics', parked events, and relays"
          + " or runners that stopped committing while they lag.",
      "Exits 1 if any check found a problem, 0 otherwise; the Kafka checks are skipped without --bootstrap-servers."
    },
    footerHeading = "%nExample:%n",
    footer = {
      "  cairn doctor --jdbc-url jdbc:postgresql://127.0.0.1:5432/orders?user=postgres \\",
      "      --bootstrap-servers 127.0.0.1:9092",
      "  CHECK       SEVERITY  MESSAGE",
      "  fence       PROBLEM   pid 4242 in database orders (state 'idle in transaction', ...) has held the ..."
    })
final class DoctorCommand extends StoreCommand {

  @Option(names = "--fence-held-after", paramLabel = "SECONDS", defaultValue = "10",
      description = "how long an appender may hold the fence before it is a problem (default ${DEFAULT-VALUE} s)")
  private long fenceHeldAfter;

  @Option(names = "--stalled-after", paramLabel = "SECONDS", defaultValue = "60",
      description = "how long a lagging relay or runner may go without committing (default ${DEFAULT-VALUE} s)")
  private long stalledAfter;

  @Override
  int run(Connection.Session session, PrintWriter out) {
    List<Doctor.Finding> findings = Doctor.builder(session.store())
        .kafkaSettings(connection.kafkaSettings())
        .topicPrefix(connection.topicPrefix)
        .fenceHeldAfter(Duration.ofSeconds(positive("--fence-held-after", fenceHeldAfter)))
        .stalledAfter(Duration.ofSeconds(positive("--stalled-after", stalledAfter)))
        .build()
        .run();
    List<Map<String, @Nullable Object>> rows = new ArrayList<>();
    findings.forEach(f -> rows.add(row("check", f.check(), "severity", f.severity().name(), "message", f.message())));
    boolean problem = findings.stream().anyMatch(f -> f.severity() == Doctor.Severity.PROBLEM);
    if (output.json) {
      Output.print(out, row("healthy", !problem, "findings", rows));
    } else {
      // Messages are printed whole: they carry the pid, query and fix an operator needs.
      for (Doctor.Finding f : findings) {
        out.printf("%-8s %-15s %s%n", f.severity(), f.check(), f.message());
      }
      out.println(problem ? "doctor found a problem (exit 1)" : "no problem found");
    }
    return problem ? Cairn.PROBLEM : Cairn.OK;
  }

  private long positive(String option, long value) {
    if (value <= 0) {
      throw usage(option + " must be a positive number of seconds but was " + value);
    }
    return value;
  }
}
