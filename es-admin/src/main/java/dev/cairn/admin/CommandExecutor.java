package dev.cairn.admin;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.GlobalPosition;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionCommand;
import dev.cairn.projections.ProjectionCommand.Status;
import dev.cairn.projections.ProjectionCommand.Type;
import dev.cairn.projections.ProjectionCommands;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.projections.Rebuild;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes, about once a second, the control table's requests that need a projection's code:
 * {@code REBUILD} and {@code SWITCH} to a version of the catalog, and {@code RETRY}, {@code SKIP}
 * and {@code RETRY_ALL} of its dead letters (which its runners execute too: whoever claims a
 * request first). Also keeps the gauge of pending requests.
 */
final class CommandExecutor implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CommandExecutor.class);
  private static final Set<Type> EXECUTES = EnumSet.of(Type.REBUILD, Type.SWITCH, Type.RETRY, Type.SKIP, Type.RETRY_ALL);

  private final ProjectionManager manager;
  private final ProjectionCommands commands;
  private final Map<String, Projection> catalog;
  private final Consumer<Projection> onSwitch;
  private final Duration rebuildTimeout;
  private final Map<String, Rebuild> rebuilds = new ConcurrentHashMap<>();
  private final AtomicLong pending = new AtomicLong();
  /** When the oldest pending request was written, epoch milliseconds; 0 if none waits. */
  private final AtomicLong oldestPending = new AtomicLong();
  private final String executor = ManagementFactory.getRuntimeMXBean().getName() + " admin";
  private final Object lock = new Object();
  private @Nullable Thread thread;
  private boolean stopped;

  CommandExecutor(
      ProjectionManager manager, Map<String, Projection> catalog, Consumer<Projection> onSwitch, Duration rebuildTimeout, MeterRegistry meters) {
    this.manager = manager;
    this.commands = manager.commands();
    this.catalog = Map.copyOf(catalog);
    this.onSwitch = onSwitch;
    this.rebuildTimeout = rebuildTimeout;
    Gauge.builder("cairn.admin.commands.pending", pending, AtomicLong::doubleValue)
        .description("requests in the control table that no process has executed yet")
        .register(meters);
    Gauge.builder("cairn.admin.commands.oldest.pending", oldestPending, h -> h.get() == 0 ? 0 : Math.max(0, System.currentTimeMillis() - h.get()) / 1000.0)
        .description("seconds the oldest request of the control table has waited for a process that can execute it")
        .baseUnit("seconds")
        .register(meters);
  }

  void start() {
    synchronized (lock) {
      if (thread != null) {
        throw new IllegalStateException("the admin's command executor was already started");
      }
      thread = new Thread(this::run, "cairn-admin-commands");
      thread.setDaemon(true);
      thread.start();
    }
  }

  private void run() {
    boolean warned = false;
    while (true) {
      synchronized (lock) {
        if (stopped) {
          return;
        }
      }
      try {
        pending.set(commands.count(null, Status.PENDING));
        oldestPending.set(commands.oldestPending().map(java.time.Instant::toEpochMilli).orElse(0L));
        if (!catalog.isEmpty()) {
          while (commands.executeNext(null, this::accepts, executor, this::execute).isPresent()) {
            // oldest first, until none is left
          }
        }
        warned = false;
      } catch (RuntimeException e) {
        if (!warned) {
          warned = true;
          LOG.warn("admin: could not read the control table (retried each second): {}", e.toString());
        }
      }
      synchronized (lock) {
        if (stopped) {
          return;
        }
        try {
          lock.wait(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private boolean accepts(ProjectionCommand c) {
    return EXECUTES.contains(c.command()) && catalog.containsKey(key(c));
  }

  private static String key(ProjectionCommand c) {
    return c.projection() + " v" + c.version();
  }

  private String execute(ProjectionCommand c) {
    // executeNext hands over only the requests accepts() took, whose version is in the catalog.
    Projection projection = requireNonNull(catalog.get(key(c)), "projection");
    switch (c.command()) {
      case REBUILD -> {
        Rebuild rebuild = manager.rebuild(projection);
        rebuilds.put(key(c), rebuild);
        if (Boolean.TRUE.equals(c.arguments().get("switchWhenCaughtUp"))) {
          Thread t = new Thread(() -> switchWhenCaughtUp(projection, rebuild), "cairn-admin-rebuild-" + c.projection());
          t.setDaemon(true);
          t.start();
          return "rebuilding " + key(c) + " from the store beside the serving version; switches when caught up";
        }
        return "rebuilding " + key(c) + " from the store beside the serving version; switch when it has caught up";
      }
      case SWITCH -> {
        Rebuild rebuild = rebuilds.remove(key(c));
        GlobalPosition at = rebuild != null ? rebuild.switchOver() : manager.switchTo(projection.spec());
        onSwitch.accept(projection);
        return "readers switched to " + key(c) + " at " + at;
      }
      case RETRY, SKIP -> {
        long id = c.deadLetter();
        if (c.command() == Type.RETRY) {
          manager.deadLetters().retry(projection, id);
          return "applied dead letter " + id;
        }
        manager.deadLetters().skip(projection, id);
        return "skipped dead letter " + id;
      }
      case RETRY_ALL -> {
        return manager.deadLetters().retryAll(projection);
      }
      default -> throw new IllegalStateException("the admin does not execute " + c.command());
    }
  }

  private void switchWhenCaughtUp(Projection projection, Rebuild rebuild) {
    String key = projection.spec().toString();
    try {
      GlobalPosition at = rebuild.switchOver(rebuildTimeout);
      rebuilds.remove(key, rebuild);
      onSwitch.accept(projection);
      LOG.info("admin: rebuild of {} caught up; readers switched at {}", key, at);
    } catch (RuntimeException e) {
      LOG.warn("admin: rebuild of {} did not switch: {}", key, e.toString());
    }
  }

  @Override
  public void close() {
    Thread t;
    synchronized (lock) {
      stopped = true;
      lock.notifyAll();
      t = thread;
    }
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
