package dev.cairn.cli;

import java.io.PrintWriter;
import java.sql.ResultSetMetaData;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = "Lists the audit log: every mutating action (pause, resume, replay, rebuild, switch, retry, skip)"
        + " given through the admin API or this command line, refused ones too, newest first.",
    footerHeading = "%nExample:%n",
    footer = {"  cairn audit --limit 20",
      "  cairn audit --action projection.pause --json"})
final class AuditCommand extends StoreCommand {

  @Option(names = "--limit", paramLabel = "N", defaultValue = "50",
      description = "at most this many entries, 1..10000 (default ${DEFAULT-VALUE})")
  private int limit;

  @Option(names = "--action", paramLabel = "ACTION", description = "only this action, e.g. projection.replay")
  private @Nullable String action;

  @Override
  void check() {
    requireLimit(limit);
  }

  @Override
  int run(Connection.Session session, PrintWriter out) {
    Reads reads = new Reads(session.store());
    List<Map<String, @Nullable Object>> rows = session.store().jdbi().withHandle(h -> !reads.exists(h, "admin_audit")
        ? List.<Map<String, @Nullable Object>>of()
        : h.createQuery("SELECT * FROM " + reads.table("admin_audit")
                + " WHERE CAST(:action AS text) IS NULL OR action = :action ORDER BY id DESC LIMIT :limit")
            .bind("action", action)
            .bind("limit", limit)
            .map((rs, ctx) -> {
              // Every column the table has, so the log shows what the admin API recorded.
              ResultSetMetaData meta = rs.getMetaData();
              Map<String, @Nullable Object> row = new LinkedHashMap<>();
              for (int i = 1; i <= meta.getColumnCount(); i++) {
                Object value = rs.getObject(i);
                if (value instanceof java.sql.Timestamp) {
                  value = Reads.instant(rs.getObject(i, OffsetDateTime.class));
                } else if (value != null && !(value instanceof Number) && !(value instanceof Boolean)) {
                  value = value.toString();
                }
                row.put(camel(meta.getColumnLabel(i)), value);
              }
              return row;
            })
            .list());
    output.rows(out, rows, "the audit log is empty");
    return Cairn.OK;
  }

  private static String camel(String column) {
    StringBuilder sb = new StringBuilder();
    boolean up = false;
    for (char c : column.toCharArray()) {
      if (c == '_') {
        up = true;
      } else {
        sb.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return sb.toString();
  }
}
