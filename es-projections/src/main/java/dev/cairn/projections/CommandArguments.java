package dev.cairn.projections;

import dev.cairn.api.GlobalPosition;
import dev.cairn.projections.ProjectionCommand.Type;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The arguments a control request of each type takes, checked before the request is recorded:
 * an unknown argument or a malformed value is refused with a message naming the value and the rule.
 */
final class CommandArguments {

  private static final Pattern TOPIC_PARTITION = Pattern.compile("(.+)-(\\d{1,9})");

  private CommandArguments() {}

  /**
   * Returns the dead letter that checked arguments of a {@link Type#RETRY} or {@link Type#SKIP}
   * name: {@link #check} made it a number.
   */
  static long deadLetter(Type type, Map<String, ?> args) {
    if (!(args.get("deadLetter") instanceof Number id)) {
      throw new IllegalStateException(type + " names no dead letter: " + args);
    }
    return id.longValue();
  }

  /** Checks a request's arguments against its type; returns them as plain JSON values. */
  static Map<String, Object> check(Type type, Map<String, ?> arguments) {
    Map<String, Object> args = new LinkedHashMap<>(arguments);
    Set<String> allowed =
        switch (type) {
          case REPLAY -> Set.of("from", "position", "offsets");
          case REBUILD -> Set.of("switchWhenCaughtUp");
          case RETRY, SKIP -> Set.of("deadLetter");
          default -> Set.of();
        };
    for (String key : args.keySet()) {
      if (!allowed.contains(key)) {
        throw new IllegalArgumentException(
            type + " takes " + (allowed.isEmpty() ? "no arguments" : "only " + new TreeSet<>(allowed)) + "; unknown argument " + key);
      }
    }
    switch (type) {
      case REPLAY -> {
        if (args.size() > 1) {
          throw new IllegalArgumentException("REPLAY takes one of from, position or offsets, not " + new TreeSet<>(args.keySet()));
        }
        if (args.isEmpty()) {
          args.put("from", "beginning");
        }
        if (args.containsKey("from")) {
          Object from = args.get("from");
          if (!(from instanceof String text)) {
            throw new IllegalArgumentException("from must be \"beginning\" or an ISO-8601 instant, was " + from);
          }
          if (!text.equals("beginning")) {
            try {
              Instant.parse(text);
            } catch (DateTimeParseException e) {
              throw new IllegalArgumentException("from must be \"beginning\" or an ISO-8601 instant such as 2026-01-01T00:00:00Z, was \"" + text + "\"");
            }
          }
        }
        if (args.containsKey("position")) {
          Object position = args.get("position");
          try {
            GlobalPosition.parse(String.valueOf(position));
          } catch (RuntimeException e) {
            throw new IllegalArgumentException("position must be a global position \"txId/position\" such as \"812/40\", was " + position);
          }
          if (!(position instanceof String)) {
            throw new IllegalArgumentException("position must be a string \"txId/position\", was " + position);
          }
        }
        if (args.containsKey("offsets")) {
          if (!(args.get("offsets") instanceof Map<?, ?> offsets)) {
            throw new IllegalArgumentException("offsets must be an object of \"topic-partition\" to offset, was " + args.get("offsets"));
          }
          Map<String, Object> checked = new LinkedHashMap<>();
          for (Map.Entry<?, ?> e : offsets.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (!TOPIC_PARTITION.matcher(key).matches()) {
              throw new IllegalArgumentException("offsets: a key must be \"topic-partition\" such as \"order-0\", was \"" + key + "\"");
            }
            if (!(e.getValue() instanceof Number n) || n.longValue() < 0 || n.doubleValue() != n.longValue()) {
              throw new IllegalArgumentException("offsets: the offset of " + key + " must be an integer >= 0, was " + e.getValue());
            }
            checked.put(key, n.longValue());
          }
          args.put("offsets", checked);
        }
      }
      case REBUILD -> {
        Object s = args.get("switchWhenCaughtUp");
        if (s != null && !(s instanceof Boolean)) {
          throw new IllegalArgumentException("switchWhenCaughtUp must be true or false, was " + s);
        }
      }
      case RETRY, SKIP -> {
        Object id = args.get("deadLetter");
        if (!(id instanceof Number n) || n.longValue() < 1 || n.doubleValue() != n.longValue()) {
          throw new IllegalArgumentException("deadLetter must be a dead letter's id, an integer >= 1, was " + id);
        }
        args.put("deadLetter", n.longValue());
      }
      default -> {}
    }
    return args;
  }
}
