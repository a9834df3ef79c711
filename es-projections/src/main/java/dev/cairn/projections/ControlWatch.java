package dev.cairn.projections;

import dev.cairn.api.Health;
import dev.cairn.projections.ProjectionCommand.Type;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A runner's watch on the control table, run on the runner's thread about once a second (also
 * while paused): follows the version's pause state, executes the pending requests a runner can
 * execute for its version, and reports the runner's status for processes that run no runner.
 * A database that does not answer only delays this; the runner's own batches say so.
 */
final class ControlWatch {

  private static final Logger LOG = LoggerFactory.getLogger(ControlWatch.class);

  /** What a runner executes itself; REBUILD and SWITCH need code a runner does not hold. */
  static final Set<Type> RUNNER_COMMANDS = EnumSet.of(Type.REPLAY, Type.RETRY, Type.SKIP, Type.RETRY_ALL);

  private static final String INSTANCE = ManagementFactory.getRuntimeMXBean().getName();

  private final AbstractRunner runner;
  private final ProjectionCommands commands;
  private final long intervalNanos;
  private long lastCheck;
  private boolean pausedByTable;
  private boolean warned;

  ControlWatch(AbstractRunner runner, ProjectionCommands commands, Duration interval) {
    this.runner = runner;
    this.commands = commands;
    this.intervalNanos = interval.toNanos();
    this.lastCheck = System.nanoTime() - intervalNanos;
  }

  /** The process the runner runs in, {@code pid@host}. */
  static String instance() {
    return INSTANCE;
  }

  /** Checks the control table if the interval has passed since the last check. */
  void maybeCheck() {
    long now = System.nanoTime();
    if (now - lastCheck < intervalNanos) {
      return;
    }
    lastCheck = now;
    check();
  }

  /** Follows the pause state, executes pending requests, reports the status. */
  void check() {
    ProjectionSpec spec = runner.spec;
    try {
      Optional<ProjectionCommands.Pause> pause = commands.pause(spec.name(), spec.version());
      if (pause.isPresent() && !pausedByTable) {
        pausedByTable = true;
        LOG.info("runner of {} pauses: paused by {} since {}", spec, pause.get().by(), pause.get().since());
        ProjectionCommands.Pause p = pause.get();
        // A paused runner falls behind on purpose: its health names who paused it, and since when.
        runner.liveness.set(true, RunnerLiveness.PAUSED, Health.Status.DEGRADED,
            () -> "paused by " + p.by() + " since " + p.since() + " (control table); resume it to apply events again");
        runner.pause();
      } else if (pause.isEmpty() && pausedByTable) {
        pausedByTable = false;
        LOG.info("runner of {} resumes: the pause was lifted", spec);
        runner.liveness.set(false, RunnerLiveness.PAUSED, Health.Status.DEGRADED, () -> "");
        runner.resume();
      }
      String executor = INSTANCE + " " + runner.owner;
      while (commands
          .executeNext(
              spec.name(), c -> c.version() == spec.version() && RUNNER_COMMANDS.contains(c.command()), executor, runner::execute)
          .isPresent()) {
        // one after another, oldest first
      }
      report();
      warned = false;
    } catch (RuntimeException e) {
      if (!warned) {
        warned = true;
        LOG.warn("runner of {}: could not read the control table (retried each second): {}", spec, e.toString());
      }
    }
  }

  private void report() {
    ProjectionStatus s = runner.status();
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("positions", s.positions());
    status.put("lag", s.lag());
    status.put("eventsApplied", s.eventsApplied());
    status.put("eventsPerSecond", s.eventsPerSecond());
    status.put("parked", s.parked());
    status.put("lastError", s.lastError());
    status.put("unclaimed", s.unclaimed());
    Health health = s.health();
    status.put("health", health.status().name());
    status.put("causes", health.causes().stream().map(c -> c.code() + ": " + c.message()).toList());
    commands.jdbi()
        .useHandle(h -> commands.report(h, runner.owner, runner.spec, INSTANCE, s.source(), s.state().name(), status));
  }

  /** Forgets the runner's report as it stops. */
  void forget() {
    try {
      commands.forget(runner.owner);
    } catch (RuntimeException e) {
      LOG.debug("runner of {}: could not remove its report: {}", runner.spec, e.toString());
    }
  }
}
