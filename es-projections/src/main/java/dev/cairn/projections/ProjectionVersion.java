package dev.cairn.projections;

import dev.cairn.api.GlobalPosition;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What the database knows about one installed projection version, whether or not a runner of it
 * runs in this process: for an admin endpoint or a CLI.
 *
 * @param name the projection's name
 * @param version the version
 * @param status {@code BUILDING}, {@code ACTIVE} or {@code RETIRED}
 * @param tables the version's table parts ({@code ""} is the main table)
 * @param checkpoint the store-fed checkpoint, or null if no store-fed runner ever ran
 * @param offsets the Kafka-fed next offsets by {@code topic-partition}
 * @param parked the open dead letters (parked and held)
 */
public record ProjectionVersion(
    String name,
    int version,
    String status,
    List<String> tables,
    @Nullable GlobalPosition checkpoint,
    Map<String, Long> offsets,
    long parked) {

  /** Copies the collections. */
  public ProjectionVersion {
    tables = List.copyOf(tables);
    offsets = Map.copyOf(offsets);
  }
}
