package dev.cairn.testkit;

/**
 * A Kafka broker running as a child process of this JVM, which a test can kill and restart to
 * check what survives a broker failure.
 */
public interface KafkaProcess extends KafkaServer {

  /**
   * Kills the broker process at once (SIGKILL), as a crash would.
   */
  void kill();

  /**
   * Starts the broker again on the same port and data directory, after {@link #kill()} or
   * {@link #close()}, and waits until it serves requests.
   *
   * @throws IllegalStateException if it is still running or cannot start
   */
  void restart();

  /**
   * Tells whether the broker process is alive.
   *
   * @return true while the process runs
   */
  boolean isAlive();
}
