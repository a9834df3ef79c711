package dev.cairn.admin;

import dev.cairn.projections.ProjectionCommands;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.ProjectionVersion;
import dev.cairn.projections.RunnerReport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The projections of a store, as the database knows them: versions, which one serves, pauses,
 * checkpoints and offsets, parked counts, and what each running runner (in any process) last
 * reported: state, lag per partition, events/s, last error.
 */
public final class ProjectionService {

  /** A runner that has not reported for this long is shown as stale. */
  static final Duration STALE_AFTER = Duration.ofSeconds(30);

  private final ProjectionManager manager;
  private final ProjectionCommands commands;

  ProjectionService(ProjectionManager manager) {
    this.manager = manager;
    this.commands = manager.commands();
  }

  /**
   * One projection.
   *
   * @param name its name
   * @param serving the version readers see, or null if none is active
   * @param versions its installed versions, oldest first
   */
  public record View(String name, @Nullable Integer serving, List<VersionView> versions) {}

  /**
   * One installed version.
   *
   * @param version the version
   * @param status {@code BUILDING}, {@code ACTIVE} or {@code RETIRED}
   * @param serving whether readers see it
   * @param paused whether it is paused (in the control table)
   * @param pausedBy who paused it, or null
   * @param pausedAt since when, or null
   * @param checkpoint its store-fed checkpoint {@code tx/pos}, or null
   * @param offsets its Kafka-fed next offsets by {@code topic-partition}
   * @param parked its open dead letters (parked and held)
   * @param runners what its running runners last reported
   */
  public record VersionView(
      int version,
      String status,
      boolean serving,
      boolean paused,
      @Nullable String pausedBy,
      @Nullable Instant pausedAt,
      @Nullable String checkpoint,
      Map<String, Long> offsets,
      long parked,
      List<RunnerView> runners) {}

  /**
   * What a running runner last reported.
   *
   * @param instance its process, {@code pid@host}
   * @param owner its owner token
   * @param source {@code store} or {@code kafka:<topics>}
   * @param state its state
   * @param positions its positions by partition
   * @param lag events still to apply, by partition
   * @param eventsPerSecond its recent rate
   * @param eventsApplied events applied since it started
   * @param parked open dead letters of its version
   * @param lastError its last failure, or null
   * @param health {@code UP}, {@code DEGRADED} or {@code DOWN}
   * @param causes what keeps it from being up
   * @param updatedAt when it last reported
   * @param stale whether that is longer ago than 30 s (its process may be gone or stuck)
   */
  public record RunnerView(
      String instance,
      String owner,
      String source,
      String state,
      Object positions,
      Object lag,
      double eventsPerSecond,
      long eventsApplied,
      long parked,
      @Nullable String lastError,
      String health,
      Object causes,
      Instant updatedAt,
      boolean stale) {}

  /**
   * Lists every projection.
   *
   * @return the projections, by name
   */
  public List<View> list() {
    Map<String, List<ProjectionVersion>> byName = new LinkedHashMap<>();
    for (ProjectionVersion v : manager.versions()) {
      byName.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(v);
    }
    List<RunnerReport> reports = commands.runners(null);
    List<View> out = new ArrayList<>();
    byName.forEach((name, versions) -> out.add(view(name, versions, reports)));
    return out;
  }

  /**
   * Returns one projection.
   *
   * @param name its name
   * @return the projection
   * @throws NoSuchElementException if none of that name is installed
   */
  public View get(String name) {
    List<ProjectionVersion> versions = manager.versions().stream().filter(v -> v.name().equals(name)).toList();
    if (versions.isEmpty()) {
      throw new NoSuchElementException("no projection named " + name + " is installed");
    }
    return view(name, versions, commands.runners(name));
  }

  /**
   * Tells whether a projection of that name is installed.
   *
   * @param name the name
   * @return true if installed
   */
  public boolean exists(String name) {
    return manager.versions().stream().anyMatch(v -> v.name().equals(name));
  }

  private View view(String name, List<ProjectionVersion> versions, List<RunnerReport> reports) {
    Integer serving = null;
    List<VersionView> views = new ArrayList<>();
    Instant now = Instant.now();
    for (ProjectionVersion v : versions) {
      boolean active = v.status().equals("ACTIVE");
      if (active) {
        serving = v.version();
      }
      Optional<ProjectionCommands.Pause> pause = commands.pause(name, v.version());
      List<RunnerView> runners = new ArrayList<>();
      for (RunnerReport r : reports) {
        if (r.projection().equals(name) && r.version() == v.version()) {
          runners.add(runner(r, now));
        }
      }
      views.add(
          new VersionView(
              v.version(),
              v.status(),
              active,
              pause.isPresent(),
              pause.map(ProjectionCommands.Pause::by).orElse(null),
              pause.map(ProjectionCommands.Pause::since).orElse(null),
              v.checkpoint() == null ? null : v.checkpoint().toString(),
              v.offsets(),
              v.parked(),
              runners));
    }
    return new View(name, serving, views);
  }

  private static RunnerView runner(RunnerReport r, Instant now) {
    Map<String, Object> s = r.status();
    return new RunnerView(
        r.instance(),
        r.owner(),
        r.source(),
        r.state(),
        s.getOrDefault("positions", Map.of()),
        s.getOrDefault("lag", Map.of()),
        number(s.get("eventsPerSecond")).doubleValue(),
        number(s.get("eventsApplied")).longValue(),
        number(s.get("parked")).longValue(),
        (String) s.get("lastError"),
        String.valueOf(s.getOrDefault("health", "UNKNOWN")),
        s.getOrDefault("causes", List.of()),
        r.updatedAt(),
        r.updatedAt().plus(STALE_AFTER).isBefore(now));
  }

  private static Number number(@Nullable Object o) {
    return o instanceof Number n ? n : 0;
  }
}
