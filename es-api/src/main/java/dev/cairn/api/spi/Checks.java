package dev.cairn.api.spi;

import java.util.regex.Pattern;

/** Argument rules shared by Cairn's modules; each failure names the value and the rule. */
public final class Checks {

  /** The longest stream id accepted. */
  public static final int MAX_STREAM_ID_LENGTH = 200;

  private static final Pattern STREAM_TYPE = Pattern.compile("[A-Za-z][A-Za-z0-9._-]{0,99}");
  private static final Pattern SQL_IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,47}");

  private Checks() {}

  /**
   * Checks a stream id: not blank, at most {@value #MAX_STREAM_ID_LENGTH} characters, no control
   * characters.
   *
   * @param streamId the id
   * @return the id
   * @throws IllegalArgumentException if it breaks a rule
   */
  public static String streamId(String streamId) {
    if (streamId == null || streamId.isBlank()) {
      throw new IllegalArgumentException("stream id must not be blank but was '" + streamId + "'");
    }
    if (streamId.length() > MAX_STREAM_ID_LENGTH) {
      throw new IllegalArgumentException(
          "stream id must be at most " + MAX_STREAM_ID_LENGTH + " characters but was "
              + streamId.length() + ": '" + streamId.substring(0, 40) + "...'");
    }
    for (int i = 0; i < streamId.length(); i++) {
      if (Character.isISOControl(streamId.charAt(i))) {
        throw new IllegalArgumentException(
            "stream id must not contain control characters but was '" + streamId.replaceAll("\\p{Cc}", "?") + "'");
      }
    }
    return streamId;
  }

  /**
   * Checks a stream type: a letter, then up to 99 letters, digits, dots, underscores or dashes (so
   * that it can name a Kafka topic).
   *
   * @param streamType the type
   * @return the type
   * @throws IllegalArgumentException if it breaks the rule
   */
  public static String streamType(String streamType) {
    if (streamType == null || !STREAM_TYPE.matcher(streamType).matches()) {
      throw new IllegalArgumentException(
          "stream type must match " + STREAM_TYPE.pattern() + " but was '" + streamType + "'");
    }
    return streamType;
  }

  /**
   * Checks an SQL identifier that comes from configuration (a schema name, a table prefix or a
   * projection name) so it can never carry SQL.
   *
   * @param what what the identifier is, for the message
   * @param identifier the identifier
   * @return the identifier
   * @throws IllegalArgumentException if it does not match {@code [a-z_][a-z0-9_]*} (at most 48
   *     characters)
   */
  public static String sqlIdentifier(String what, String identifier) {
    if (identifier == null || !SQL_IDENTIFIER.matcher(identifier).matches()) {
      throw new IllegalArgumentException(
          what + " must match [a-z_][a-z0-9_]* (at most 48 characters) but was '" + identifier + "'");
    }
    return identifier;
  }

  /**
   * Checks that a version is not negative.
   *
   * @param what what the version is, for the message
   * @param version the version
   * @return the version
   * @throws IllegalArgumentException if negative
   */
  public static long version(String what, long version) {
    if (version < 0) {
      throw new IllegalArgumentException(what + " must be >= 0 but was " + version);
    }
    return version;
  }

  /**
   * Checks that a count is positive.
   *
   * @param what what the count is, for the message
   * @param value the count
   * @return the count
   * @throws IllegalArgumentException if not positive
   */
  public static int positive(String what, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(what + " must be > 0 but was " + value);
    }
    return value;
  }

  /**
   * Checks that a duration is set and longer than zero.
   *
   * @param what what the duration is, for the message
   * @param value the duration
   * @return the duration
   * @throws NullPointerException if null
   * @throws IllegalArgumentException if zero or negative
   */
  public static java.time.Duration positive(String what, java.time.Duration value) {
    java.util.Objects.requireNonNull(value, what);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(what + " must be > 0 but was " + value);
    }
    return value;
  }

  /**
   * Checks that a duration is set and not negative (zero is accepted).
   *
   * @param what what the duration is, for the message
   * @param value the duration
   * @return the duration
   * @throws NullPointerException if null
   * @throws IllegalArgumentException if negative
   */
  public static java.time.Duration notNegative(String what, java.time.Duration value) {
    java.util.Objects.requireNonNull(value, what);
    if (value.isNegative()) {
      throw new IllegalArgumentException(what + " must be >= 0 but was " + value);
    }
    return value;
  }

  /**
   * Checks that a duration is set and lies between two bounds, both included.
   *
   * @param what what the duration is, for the message
   * @param value the duration
   * @param min the shortest accepted
   * @param max the longest accepted
   * @return the duration
   * @throws NullPointerException if null
   * @throws IllegalArgumentException if shorter than {@code min} or longer than {@code max}
   */
  public static java.time.Duration between(
      String what, java.time.Duration value, java.time.Duration min, java.time.Duration max) {
    java.util.Objects.requireNonNull(value, what);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          what + " must be between " + readable(min) + " and " + readable(max) + " but was " + value);
    }
    return value;
  }

  /** A bound as people write it: 0, 1 s, 250 ms; ISO-8601 when neither fits. */
  private static String readable(java.time.Duration bound) {
    if (bound.isZero()) {
      return "0";
    }
    if (bound.toNanosPart() == 0) {
      return bound.toSeconds() + " s";
    }
    if (bound.toNanosPart() % 1_000_000 == 0 && bound.compareTo(java.time.Duration.ofSeconds(1)) < 0) {
      return bound.toMillis() + " ms";
    }
    return bound.toString();
  }
}
