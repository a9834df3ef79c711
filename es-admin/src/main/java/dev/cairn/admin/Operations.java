package dev.cairn.admin;

import dev.cairn.projections.ProjectionCommand;
import dev.cairn.projections.ProjectionCommand.Status;
import dev.cairn.projections.ProjectionCommand.Type;
import dev.cairn.projections.ProjectionCommands;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The mutating operations: each writes a request to the control table that runners (in any
 * process) or a {@link CairnAdmin} with the projection's code execute, and records the action in
 * the {@link AuditLog}, refused or not. Used by the HTTP API and by the CLI alike.
 */
public final class Operations {

  private final ProjectionCommands commands;
  private final DeadLetterService deadLetters;
  private final AuditLog audit;

  Operations(ProjectionCommands commands, DeadLetterService deadLetters, AuditLog audit) {
    this.commands = commands;
    this.deadLetters = deadLetters;
    this.audit = audit;
  }

  /**
   * Asks for a command on a projection version, and audits the request.
   *
   * @param projection the projection's name
   * @param version the version, or null for the serving one (the next one for a rebuild)
   * @param type what is asked
   * @param arguments its arguments
   * @param actor who asks
   * @param remote from where, or null
   * @return the request as written ({@code DONE} at once for pause and resume, else {@code PENDING})
   * @throws IllegalArgumentException if an argument breaks its rule (audited as 400)
   * @throws NoSuchElementException if the projection, version or dead letter is unknown (404)
   * @throws IllegalStateException if the state forbids it (409)
   */
  public ProjectionCommand request(
      String projection,
      @Nullable Integer version,
      Type type,
      Map<String, ?> arguments,
      String actor,
      @Nullable String remote) {
    String action = action(type);
    String target = projection + (version == null ? "" : " v" + version);
    try {
      ProjectionCommand c = commands.request(projection, version, type, arguments, actor);
      audit.record(actor, remote, action, projection + " v" + c.version(), arguments, 202, "command " + c.id() + " " + c.status());
      return c;
    } catch (IllegalArgumentException e) {
      audit.record(actor, remote, action, target, arguments, 400, e.getMessage());
      throw e;
    } catch (NoSuchElementException e) {
      audit.record(actor, remote, action, target, arguments, 404, e.getMessage());
      throw e;
    } catch (IllegalStateException e) {
      audit.record(actor, remote, action, target, arguments, 409, e.getMessage());
      throw e;
    }
  }

  /**
   * Asks for a parked event to be retried (or skipped), by the dead letter's id alone.
   *
   * @param id the dead letter's id
   * @param skip true to skip it instead of retrying
   * @param actor who asks
   * @param remote from where, or null
   * @return the request
   * @throws NoSuchElementException if there is no such dead letter (audited as 404)
   * @throws IllegalStateException if it is not parked (409)
   */
  public ProjectionCommand resolve(long id, boolean skip, String actor, @Nullable String remote) {
    Type type = skip ? Type.SKIP : Type.RETRY;
    DeadLetterService.Summary summary;
    try {
      summary = deadLetters.summary(id);
    } catch (NoSuchElementException e) {
      audit.record(actor, remote, action(type), "dead letter " + id, Map.of(), 404, e.getMessage());
      throw e;
    }
    Map<String, Object> args = new LinkedHashMap<>();
    args.put("deadLetter", id);
    return request(summary.projection(), summary.version(), type, args, actor, remote);
  }

  /**
   * Returns one request.
   *
   * @param id its id
   * @return the request
   * @throws NoSuchElementException if there is none
   */
  public ProjectionCommand command(long id) {
    return commands.find(id).orElseThrow(() -> new NoSuchElementException("no command " + id));
  }

  /**
   * Lists requests, newest first.
   *
   * @param projection only this projection's, or null
   * @param status only in this status, or null
   * @param limit 1 to 500
   * @param offset 0 or more
   * @return the page
   */
  public Page<ProjectionCommand> commands(@Nullable String projection, @Nullable Status status, int limit, int offset) {
    Page.check(limit, offset);
    return new Page<>(commands.list(projection, status, limit, offset), commands.count(projection, status), limit, offset);
  }

  /**
   * Waits until a request was executed, DONE or FAILED (polling the control table every 100 ms), for a CLI that
   * reports the outcome.
   *
   * @param id the request's id
   * @param timeout the longest wait
   * @return the request, still {@code PENDING} or {@code RUNNING} if the time ran out
   */
  public ProjectionCommand await(long id, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      ProjectionCommand c = command(id);
      if (c.status() == Status.DONE || c.status() == Status.FAILED || System.nanoTime() > deadline) {
        return c;
      }
      try {
        TimeUnit.MILLISECONDS.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return c;
      }
    }
  }

  static String action(Type type) {
    return switch (type) {
      case RETRY, SKIP -> "dead-letter." + type.name().toLowerCase(Locale.ROOT);
      case RETRY_ALL -> "projection.retry-all";
      default -> "projection." + type.name().toLowerCase(Locale.ROOT);
    };
  }
}
