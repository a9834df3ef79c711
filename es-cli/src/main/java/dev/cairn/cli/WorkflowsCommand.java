package dev.cairn.cli;

import dev.cairn.admin.CairnAdmin;
import dev.cairn.admin.WorkflowService;
import dev.cairn.workflows.DeadlineView;
import dev.cairn.workflows.HistoryEntry;
import dev.cairn.workflows.WorkflowCatalog;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "workflows",
    mixinStandardHelpOptions = true,
    description = "The process managers (es-workflows): their instances and deadlines (pending, fired, failed, cancelled).",
    subcommands = {WorkflowsCommand.ListWorkflows.class, WorkflowsCommand.Show.class, WorkflowsCommand.RetryFailed.class},
    footerHeading = "%nExample:%n",
    footer = {"  cairn workflows list", "  cairn workflows show checkout order-17",
      "  cairn workflows retry-failed checkout --actor ann"})
final class WorkflowsCommand extends CommandGroup {

  @Override
  String subcommands() {
    return "list, show or retry-failed";
  }

  private static WorkflowService service(Connection.Session session) {
    return CairnAdmin.builder(session.store()).build().workflows();
  }

  private static @Nullable String iso(@Nullable Instant t) {
    return t == null ? null : t.toString();
  }

  private static Map<String, @Nullable Object> summaryRow(WorkflowService.Summary s) {
    return Output.row(
        "name", s.name(), "version", s.version(), "instances", s.instances(),
        "pending", s.deadlines().get("pending"), "fired", s.deadlines().get("fired"),
        "failed", s.deadlines().get("failed"), "cancelled", s.deadlines().get("cancelled"),
        "nextDue", iso(s.nextDue()), "oldestOverdue", iso(s.oldestOverdue()));
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists the workflows with their instances and their deadlines by state; OLDESTOVERDUE is the due"
          + " time of the oldest pending deadline that is past due (a scheduler that is not running, or behind).",
      footerHeading = "%nExample:%n",
      footer = {"  cairn workflows list --jdbc-url jdbc:postgresql://127.0.0.1:5432/orders?user=postgres",
        "  NAME      VERSION  INSTANCES  PENDING  FIRED  FAILED  CANCELLED  NEXTDUE               OLDESTOVERDUE",
        "  checkout  1        42         3        17     0       22         2026-12-02T03:10:00Z  -"})
  static final class ListWorkflows extends StoreCommand {
    @Override
    int run(Connection.Session session, PrintWriter out) {
      List<Map<String, @Nullable Object>> rows =
          service(session).list().stream().map(WorkflowsCommand::summaryRow).toList();
      output.rows(out, rows, "no workflow is installed in this store");
      return Cairn.OK;
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Shows one workflow with its most recently active instances, or one process instance: its state,"
          + " the inputs it handled with what it did, and its deadlines. Exit code 3 if there is no such workflow"
          + " or instance.",
      footerHeading = "%nExample:%n",
      footer = {"  cairn workflows show checkout", "  cairn workflows show checkout order-17 --json"})
  static final class Show extends StoreCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "the workflow's name")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "ID", description = "a process instance's id")
    @Nullable String id;

    @Override
    int run(Connection.Session session, PrintWriter out) {
      WorkflowService service = service(session);
      if (id == null) {
        WorkflowService.Detail d = service.get(name);
        List<Map<String, @Nullable Object>> instances = d.instances().stream().map(Show::row).toList();
        if (output.json) {
          Map<String, @Nullable Object> all = summaryRow(d.summary());
          all.put("instances", instances);
          Output.print(out, all);
          return Cairn.OK;
        }
        output.object(out, summaryRow(d.summary()));
        out.println();
        out.print(instances.isEmpty() ? "no instance has handled an input yet\n" : Output.table(instances));
        return Cairn.OK;
      }
      WorkflowService.Instance i = service.instance(name, id);
      List<Map<String, @Nullable Object>> history = i.history().stream().map(Show::row).toList();
      List<Map<String, @Nullable Object>> deadlines = i.deadlines().stream().map(Show::row).toList();
      Map<String, @Nullable Object> head =
          Output.row("workflow", i.workflow(), "processId", i.processId(), "streamId", i.streamId(),
              "inputs", i.inputs(), "updatedAt", iso(i.updatedAt()));
      if (output.json) {
        head.put("state", i.state() == null ? null : new com.fasterxml.jackson.databind.util.RawValue(i.state()));
        head.put("history", history);
        head.put("deadlines", deadlines);
        Output.print(out, head);
        return Cairn.OK;
      }
      head.put("state", i.state());
      output.object(out, head);
      out.println();
      out.print(history.isEmpty() ? "no input handled\n" : Output.table(history));
      out.println();
      out.print(deadlines.isEmpty() ? "no deadline\n" : Output.table(deadlines));
      return Cairn.OK;
    }

    private static Map<String, @Nullable Object> row(WorkflowCatalog.InstanceSummary s) {
      return Output.row("processId", s.processId(), "inputs", s.inputs(), "pendingDeadlines", s.pendingDeadlines(),
          "updatedAt", iso(s.updatedAt()));
    }

    private static Map<String, @Nullable Object> row(HistoryEntry h) {
      return Output.row("seq", h.seq(), "at", iso(h.at()), "input", h.input(), "detail", h.detail(),
          "actions", String.join("; ", h.actions()));
    }

    private static Map<String, @Nullable Object> row(DeadlineView d) {
      return Output.row("name", d.name(), "due", iso(d.due()), "status", d.status(), "attempts", d.attempts(),
          "lastError", d.lastError(), "id", d.id().toString());
    }
  }

  @Command(
      name = "retry-failed",
      mixinStandardHelpOptions = true,
      description = "Puts a workflow's failed deadlines back to pending; a running deadline scheduler (in any"
          + " service) fires them at its next round. Recorded in the audit log. Exit code 3 if there is no such"
          + " workflow.",
      footerHeading = "%nExample:%n",
      footer = {"  cairn workflows retry-failed checkout --actor ann", "  retried: 2"})
  static final class RetryFailed extends StoreCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "the workflow's name")
    String name;

    @picocli.CommandLine.Option(names = "--actor", paramLabel = "NAME", defaultValue = "${sys:user.name}",
        description = "who asks, for the audit log (default: your user name, ${DEFAULT-VALUE})")
    String actor;

    @Override
    void check() {
      Mutation.requireActor(spec.commandLine(), actor);
    }

    @Override
    int run(Connection.Session session, PrintWriter out) {
      CairnAdmin admin = CairnAdmin.builder(session.store()).build();
      admin.migrate(); // the audit table, if no service created it yet
      WorkflowService.Retried r = admin.workflows().retryFailedDeadlines(name, actor, Mutation.remote());
      output.object(out, Output.row("workflow", r.workflow(), "retried", r.retried()));
      return Cairn.OK;
    }
  }
}
