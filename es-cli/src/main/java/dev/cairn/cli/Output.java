package dev.cairn.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** How a command prints: aligned tables for people, or JSON for scripts ({@code --json}). */
final class Output {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Option(names = "--json", description = "print JSON instead of a table, for scripts")
  boolean json;

  /** Prints rows (maps of column to value, all with the same keys) as a table or a JSON array. */
  void rows(PrintWriter out, List<Map<String, @Nullable Object>> rows, String emptyMessage) {
    if (json) {
      print(out, rows);
      return;
    }
    if (rows.isEmpty()) {
      out.println(emptyMessage);
      return;
    }
    out.print(table(rows));
  }

  /** Prints one object: JSON, or one "key: value" line per entry. */
  void object(PrintWriter out, Map<String, @Nullable Object> object) {
    if (json) {
      print(out, object);
      return;
    }
    int width = object.keySet().stream().mapToInt(String::length).max().orElse(0);
    object.forEach((k, v) -> out.println(pad(k + ":", width + 1) + " " + text(v)));
  }

  static void print(PrintWriter out, Object value) {
    try {
      out.println(JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot print " + value + " as JSON", e);
    }
  }

  /** Renders rows as a table with a header line, columns padded to their widest cell. */
  static String table(List<Map<String, @Nullable Object>> rows) {
    List<String> columns = new ArrayList<>(rows.get(0).keySet());
    int[] widths = new int[columns.size()];
    for (int i = 0; i < columns.size(); i++) {
      widths[i] = columns.get(i).length();
    }
    List<List<String>> cells = new ArrayList<>();
    for (Map<String, @Nullable Object> row : rows) {
      List<String> line = new ArrayList<>();
      for (int i = 0; i < columns.size(); i++) {
        String cell = text(row.get(columns.get(i)));
        widths[i] = Math.max(widths[i], cell.length());
        line.add(cell);
      }
      cells.add(line);
    }
    StringBuilder sb = new StringBuilder();
    List<String> header = new ArrayList<>();
    columns.forEach(c -> header.add(c.toUpperCase(java.util.Locale.ROOT)));
    appendLine(sb, header, widths);
    cells.forEach(line -> appendLine(sb, line, widths));
    return sb.toString();
  }

  private static void appendLine(StringBuilder sb, List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      line.append(i == cells.size() - 1 ? cells.get(i) : pad(cells.get(i), widths[i]) + "  ");
    }
    sb.append(line.toString().stripTrailing()).append('\n');
  }

  static String text(@Nullable Object value) {
    if (value == null) {
      return "-";
    }
    String s = value.toString().replaceAll("\\s+", " ").trim();
    return s.length() > 100 ? s.substring(0, 97) + "..." : s;
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }

  /** A row builder that keeps the column order. */
  static Map<String, @Nullable Object> row(@Nullable Object... keysAndValues) {
    Map<String, @Nullable Object> row = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      row.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return row;
  }
}
