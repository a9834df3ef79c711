package dev.cairn.api.spi;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a builder's setters have set, so that a second call of one is refused instead of quietly
 * replacing the first value: a builder configured in two places (a default in a shared helper, an
 * override beside it) then fails at the second place, naming the setting and the value it had.
 *
 * <p>One per builder; not thread-safe, as builders are not.
 *
 * <pre>{@code
 * public Builder batchSize(int value) {
 *   this.batchSize = set.once("batch size", Checks.positive("batch size", value));
 *   return this;
 * }
 * }</pre>
 */
public final class SetOnce {
  private final Map<String, Object> values = new HashMap<>();

  /**
   * Records that a setting is set, the first time only.
   *
   * @param what the setting, as the messages name it ({@code "batch size"})
   * @param value the value it is set to, not null
   * @param <T> the value's type
   * @return the value
   * @throws IllegalStateException if the setting was set before, naming it and its value
   */
  public <T> T once(String what, T value) {
    Objects.requireNonNull(value, what);
    Object earlier = values.putIfAbsent(what, value);
    if (earlier != null) {
      throw alreadySet(what, earlier);
    }
    return value;
  }

  /**
   * Adds raw settings (Kafka's, say) to those a builder holds, refusing a key it holds already: the
   * same rule for the keys of a map that {@link #once} is for a builder's own settings.
   *
   * @param what what the keys are, as the message names them ({@code "Kafka setting"})
   * @param held the settings held so far, left unchanged
   * @param added the settings to add
   * @return a new map of both, for the builder to check and then keep
   * @throws NullPointerException if a key or value is null
   * @throws IllegalStateException if a key is held already, naming it and its value
   */
  public static Map<String, Object> merged(String what, Map<String, Object> held, Map<String, ?> added) {
    Map<String, Object> merged = new HashMap<>(held);
    added.forEach((key, value) -> {
      Objects.requireNonNull(value, what + " " + Objects.requireNonNull(key, what + " key"));
      Object earlier = merged.putIfAbsent(key, value);
      if (earlier != null) {
        throw alreadySet(what + " " + key, earlier);
      }
    });
    return merged;
  }

  /**
   * Returns whether a setting was set.
   *
   * @param what the setting, as given to {@link #once}
   * @return true if it was
   */
  public boolean isSet(String what) {
    return values.containsKey(what);
  }

  private static IllegalStateException alreadySet(String what, Object earlier) {
    return new IllegalStateException(what + " was already set to " + earlier + " (a builder takes each setting once)");
  }
}
