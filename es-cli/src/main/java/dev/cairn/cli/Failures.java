package dev.cairn.cli;

import com.zaxxer.hikari.pool.HikariPool;
import java.sql.SQLException;
import org.apache.kafka.common.errors.TimeoutException;
import picocli.CommandLine;

/** Turns what a command throws into a one-line message on standard error and an exit code. */
final class Failures implements CommandLine.IExecutionExceptionHandler {

  /** Thrown when a named projection, dead letter or stream does not exist. */
  static final class NotFound extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotFound(String message) {
      super(message);
    }
  }

  /** Thrown when an action is refused (a dead letter already resolved, a bad state). */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }
  }

  @Override
  public int handleExecutionException(
      Exception e, CommandLine cl, CommandLine.ParseResult parseResult) {
    int code = exitCode(e);
    String message = switch (code) {
      case Cairn.CANNOT_CONNECT -> "cannot connect: " + rootMessage(e);
      case Cairn.USAGE -> e.getMessage();
      default -> e.getMessage() == null ? e.toString() : e.getMessage();
    };
    cl.getErr().println("cairn: " + message);
    return code;
  }

  static int exitCode(Throwable e) {
    if (e instanceof CommandLine.ParameterException) {
      return Cairn.USAGE;
    }
    if (e instanceof NotFound || e instanceof java.util.NoSuchElementException) {
      return Cairn.NOT_FOUND;
    }
    if (e instanceof IllegalArgumentException) {
      return Cairn.USAGE;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof HikariPool.PoolInitializationException || t instanceof TimeoutException) {
        return Cairn.CANNOT_CONNECT;
      }
      if (t instanceof SQLException s && s.getSQLState() != null
          && (s.getSQLState().startsWith("08") || s.getSQLState().startsWith("28") || s.getSQLState().equals("3D000"))) {
        return Cairn.CANNOT_CONNECT;
      }
    }
    // IllegalStateException: the state forbids it (the API's 409), e.g. a dead letter not parked.
    return Cairn.FAILED;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
