package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.admin.testing.Accounts;
import dev.cairn.projections.FailurePolicy;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.StoreProjectionRunner;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** The CLI's main against a real database: output and exit codes of every read command. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CliTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static final ObjectMapper JSON = new ObjectMapper();

  static JdbcEventStore store;
  static String[] db;

  @BeforeAll
  static void storeWithAParkedEvent() {
    store = Accounts.store(pg.dataSource(), "cli");
    db = new String[] {"--jdbc-url", pg.jdbcUrl(), "--schema", store.schema()};
    Accounts accounts = new Accounts(store);
    accounts.append("acc-1", new Accounts.Opened("ann"), new Accounts.Deposited(5));
    accounts.append("acc-2", new Accounts.Opened("bob"), new Accounts.Deposited(Accounts.POISON));
    ProjectionManager manager = ProjectionManager.create(store, Accounts.SERIALIZER);
    manager.migrate();
    Projection balances = Accounts.balances(1, true);
    manager.install(balances);
    FailurePolicy once = FailurePolicy.builder().maxAttempts(1).build();
    try (StoreProjectionRunner runner = manager.storeRunner(balances).failurePolicy(once).build()) {
      runner.start();
      assertThat(runner.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
    }
  }

  static String[] args(String... command) {
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(List.of(db));
    return all.toArray(String[]::new);
  }

  @Test
  void everyCommand_hasHelpWithAnExample_andTheExitCodesAreListed() {
    List<CommandLine> all = new ArrayList<>();
    collect(Cairn.commandLine(), all);
    assertThat(all).extracting(CommandLine::getCommandName)
        .contains("status", "list", "show", "doctor", "audit", "generate-completion");
    for (CommandLine c : all) {
      if (c.getCommandName().equals("generate-completion") || c.getCommandName().equals("help")) {
        continue;
      }
      assertThat(c.getUsageMessage()).as(c.getCommandSpec().qualifiedName()).contains("Example:", "cairn ");
    }
    Cli.Result help = Cli.run("--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("Exit codes:", "1   doctor found a problem", "4   cannot connect");
    Cli.Result sub = Cli.run("dead-letters", "show", "--help");
    assertThat(sub.exitCode()).isZero();
    assertThat(sub.out()).contains("Usage: cairn dead-letters show", "cairn dead-letters show 7");
  }

  private static void collect(CommandLine c, List<CommandLine> into) {
    into.add(c);
    c.getSubcommands().values().forEach(s -> collect(s, into));
  }

  @Test
  void badUsage_exits2_namingTheProblem() {
    Cli.Result none = Cli.run("status");
    assertThat(none.exitCode()).isEqualTo(Cairn.USAGE);
    assertThat(none.err()).contains("no database given: pass --jdbc-url or set CAIRN_JDBC_URL");

    Cli.Result unknown = Cli.run("status", "--frobnicate");
    assertThat(unknown.exitCode()).isEqualTo(Cairn.USAGE);
    assertThat(unknown.err()).contains("Unknown option: '--frobnicate'");

    Cli.Result limit = Cli.run(args("dead-letters", "list", "--limit", "0"));
    assertThat(limit.exitCode()).isEqualTo(Cairn.USAGE);
    assertThat(limit.err()).contains("--limit must be between 1 and 10000 but was 0");

    Cli.Result notPg = Cli.run("status", "--jdbc-url", "jdbc:mysql://x/y");
    assertThat(notPg.exitCode()).isEqualTo(Cairn.USAGE);
    assertThat(notPg.err()).contains("--jdbc-url must start with jdbc:postgresql:");
  }

  @Test
  void unreachableDatabase_exits4() {
    Cli.Result r = Cli.run("status", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/nowhere?connectTimeout=2");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(Cairn.CANNOT_CONNECT);
    assertThat(r.err()).startsWith("cairn: cannot connect:");
  }

  @Test
  void status_showsTheStoreAndEveryProjection_asTableAndAsJson() throws Exception {
    Cli.Result table = Cli.run(args("status"));
    assertThat(table.exitCode()).as(table.toString()).isZero();
    assertThat(table.out()).contains("Store " + store.schema(), "2 streams, 4 events", "fence: no transaction holds it",
        "Projections", "balances", "ACTIVE", "store");

    Cli.Result json = Cli.run(args("status", "--json"));
    assertThat(json.exitCode()).isZero();
    JsonNode root = JSON.readTree(json.out());
    assertThat(root.at("/store/events").asLong()).isEqualTo(4);
    assertThat(root.at("/store/head").asText()).isEqualTo(store.headPosition().toString());
    assertThat(root.at("/projections/0/name").asText()).isEqualTo("balances");
    assertThat(root.at("/projections/0/lag").asLong()).isZero();
    assertThat(root.at("/projections/0/parked").asLong()).isEqualTo(1);
  }

  @Test
  void projectionsList_showsVersionLagAndTheLastError() throws Exception {
    Cli.Result r = Cli.run(args("projections", "list"));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out().lines().findFirst().orElseThrow())
        .contains("NAME", "VERSION", "STATUS", "PAUSED", "RUNNERS", "SOURCE", "POSITION", "LAG", "LASTCOMMIT", "PARKED", "LASTERROR");
    assertThat(r.out()).contains("balances", "poison deposit in acc-2");
    JsonNode json = JSON.readTree(Cli.run(args("projections", "list", "--json")).out());
    assertThat(json.get(0).get("version").asInt()).isEqualTo(1);
    assertThat(json.get(0).get("position").asText()).isEqualTo(store.headPosition().toString());
  }

  @Test
  void deadLetters_listFiltersAndShowGivesTheEventInFull_unknownIdExits3() throws Exception {
    Cli.Result list = Cli.run(args("dead-letters", "list", "--projection", "balances"));
    assertThat(list.exitCode()).as(list.toString()).isZero();
    assertThat(list.out()).contains("PARKED", "acc-2", "Deposited", "poison deposit in acc-2");
    assertThat(Cli.run(args("dead-letters", "list", "--error", "no such text")).out()).contains("no open dead letters");

    JsonNode rows = JSON.readTree(Cli.run(args("dead-letters", "list", "--json", "--stream", "acc-2")).out());
    assertThat(rows).hasSize(1);
    long id = rows.get(0).get("id").asLong();

    Cli.Result show = Cli.run(args("dead-letters", "show", Long.toString(id)));
    assertThat(show.exitCode()).as(show.toString()).isZero();
    assertThat(show.out()).contains("status:", "PARKED", "payload:  {\"amount\": 13}", "stack:",
        "java.lang.IllegalStateException: poison deposit in acc-2");

    Cli.Result missing = Cli.run(args("dead-letters", "show", "999999"));
    assertThat(missing.exitCode()).isEqualTo(Cairn.NOT_FOUND);
    assertThat(missing.err()).contains("no dead letter 999999");
  }

  @Test
  void streamsShow_listsTheEventsInOrder_unknownStreamExits3() throws Exception {
    Cli.Result r = Cli.run(args("streams", "show", "acc-1"));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("stream acc-1 (type account, version 2)", "Opened", "Deposited");
    assertThat(r.out().indexOf("Opened")).isLessThan(r.out().indexOf("Deposited"));

    JsonNode json = JSON.readTree(Cli.run(args("streams", "show", "acc-1", "--json")).out());
    assertThat(json.get("events")).hasSize(2);
    assertThat(JSON.readTree(json.at("/events/1/payload").asText()).get("amount").asLong()).isEqualTo(5);

    Cli.Result missing = Cli.run(args("streams", "show", "nope"));
    assertThat(missing.exitCode()).isEqualTo(Cairn.NOT_FOUND);
    assertThat(missing.err()).contains("no stream nope");
  }

  @Test
  void relayStatus_withoutARelay_saysSo() {
    Cli.Result r = Cli.run(args("relay", "status"));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("no relay has published from this store yet", "lock:");
  }

  @Test
  void generateCompletion_printsABashScriptThatKnowsTheCommands() {
    Cli.Result r = Cli.run("generate-completion");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("cairn Bash Completion", "dead-letters", "projections", "doctor");
  }
}
