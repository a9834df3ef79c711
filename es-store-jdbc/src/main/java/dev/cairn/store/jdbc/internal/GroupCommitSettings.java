package dev.cairn.store.jdbc.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.spi.Checks;
import java.time.Duration;

/**
 * How concurrent appends are combined into groups (see {@link GroupCommit}).
 *
 * @param maxSize the most appends in one group
 * @param maxInFlight the most groups committing at once, each on a connection of its own
 * @param maxWait how long a leader waits for as many members as the last group had; zero lets a
 *     group form only while earlier ones commit
 */
public record GroupCommitSettings(int maxSize, int maxInFlight, Duration maxWait) {

  /**
   * The defaults: groups of up to 64, one in flight, a leader waits up to 1 ms for its group. One
   * group at a time measured best with 8 writers (groups of 8, against two groups of about 4 side
   * by side), on a durable server and without fsync alike.
   */
  public static final GroupCommitSettings DEFAULTS = new GroupCommitSettings(64, 1, Duration.ofMillis(1));

  /**
   * Checks the settings.
   *
   * @throws IllegalArgumentException if a size is below 1 or the wait negative
   */
  public GroupCommitSettings {
    requireNonNull(maxWait, "maxWait");
    if (maxSize < 1) {
      throw new IllegalArgumentException("group commit max size must be >= 1 but was " + maxSize);
    }
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("group commit max in flight must be >= 1 but was " + maxInFlight);
    }
    Checks.between("group commit max wait", maxWait, Duration.ZERO, Duration.ofSeconds(1));
  }
}
