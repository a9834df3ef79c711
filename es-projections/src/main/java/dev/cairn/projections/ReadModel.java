package dev.cairn.projections;

import dev.cairn.api.spi.Checks;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Names the tables of one projection version, qualified by schema and safe to place in SQL:
 * {@code <schema>.<name>_v<version>} (and {@code <name>_<part>_v<version>} for further tables).
 * Readers query the views {@code <schema>.<name>} (and {@code <name>_<part>}), which always point at
 * the active version.
 */
public final class ReadModel {

  private final String schema;
  private final ProjectionSpec spec;
  private final Set<String> parts = new LinkedHashSet<>();

  ReadModel(String schema, ProjectionSpec spec) {
    this.schema = Checks.sqlIdentifier("schema", schema);
    this.spec = spec;
  }

  /**
   * Returns the main table of this version.
   *
   * @return {@code schema.name_vN}
   */
  public String table() {
    return table("");
  }

  /**
   * Returns a further table of this version.
   *
   * @param part a short identifier, or empty for the main table
   * @return {@code schema.name_part_vN}
   * @throws IllegalArgumentException if the part is not an identifier
   */
  public String table(String part) {
    String base = base(part);
    parts.add(part);
    return schema + "." + base + "_v" + spec.version();
  }

  /**
   * Returns the view readers query for the main table.
   *
   * @return {@code schema.name}
   */
  public String view() {
    return view("");
  }

  /**
   * Returns the view readers query for a further table.
   *
   * @param part the table's part, or empty for the main table
   * @return {@code schema.name_part}
   * @throws IllegalArgumentException if the part is not an identifier
   */
  public String view(String part) {
    return schema + "." + base(part);
  }

  /**
   * Returns the schema the tables live in.
   *
   * @return the schema
   */
  public String schema() {
    return schema;
  }

  /**
   * Returns the projection this names tables for.
   *
   * @return the spec
   */
  public ProjectionSpec spec() {
    return spec;
  }

  /** The parts named so far (during setup: the version's tables). */
  List<String> parts() {
    return List.copyOf(parts);
  }

  private String base(String part) {
    if (part.isEmpty()) {
      return spec.name();
    }
    String base = spec.name() + "_" + Checks.sqlIdentifier("table part", part);
    if (base.length() > 55) {
      throw new IllegalArgumentException("table name " + base + " is longer than 55 characters");
    }
    return base;
  }
}
