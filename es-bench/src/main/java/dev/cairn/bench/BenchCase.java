package dev.cairn.bench;

import java.util.List;

/**
 * A benchmark case: a Cairn side and a raw baseline side doing the same work, measured
 * interleaved in the same run. A case may report several rows (one per variant, such as the
 * number of writers). Adding a case means writing one class and listing it in {@link Cases}.
 */
interface BenchCase {

  /** The name {@code --case} selects it by, such as {@code append_single}. */
  String name();

  /** What it measures, in one line. */
  String description();

  /** Whether it needs Kafka; the broker is started only if a selected case does. */
  default boolean needsKafka() {
    return false;
  }

  /**
   * Whether, in a full run of more than one case, this case runs in a JVM of its own (a child process
   * with its own servers), as JMH forks each benchmark: for a latency case whose tail the JIT
   * compilation of the cases before it would otherwise set.
   */
  default boolean ownJvm() {
    return false;
  }

  /** Runs both sides of every variant and returns one row per variant. */
  List<Result> run(BenchContext context) throws Exception;
}
