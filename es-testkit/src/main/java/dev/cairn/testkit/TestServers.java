package dev.cairn.testkit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL server and Kafka cluster shared by every test in this JVM: each is started on
 * first use (or taken from {@code CAIRN_PG_URL} / {@code CAIRN_KAFKA_BOOTSTRAP}) and stopped when
 * the JVM exits.
 */
public final class TestServers {

  private static final Logger LOG = LoggerFactory.getLogger(TestServers.class);
  private static @Nullable PostgresServer postgres;
  private static @Nullable KafkaServer kafka;
  private static boolean hookAdded;

  private TestServers() {}

  /**
   * Returns this JVM's PostgreSQL server, starting it on first use.
   *
   * @return the server
   * @throws IllegalStateException if it cannot start
   */
  public static synchronized PostgresServer postgres() {
    if (postgres == null) {
      long start = System.nanoTime();
      postgres = PostgresServer.fromEnvironmentOrEmbedded();
      stopOnExit();
      LOG.info("{} ready in {} ms", postgres.describe(), (System.nanoTime() - start) / 1_000_000);
    }
    return postgres;
  }

  /**
   * Returns this JVM's Kafka cluster, starting it on first use.
   *
   * @return the cluster
   * @throws IllegalStateException if it cannot start
   */
  public static synchronized KafkaServer kafka() {
    if (kafka == null) {
      long start = System.nanoTime();
      kafka = KafkaServer.fromEnvironmentOrInProcess();
      stopOnExit();
      LOG.info("{} ready in {} ms", kafka.describe(), (System.nanoTime() - start) / 1_000_000);
    }
    return kafka;
  }

  /**
   * Stops the servers when JUnit has run every test of this JVM, before the JVM begins to exit.
   * Stopping them in a shutdown hook instead races other hooks: Kafka's test kit deletes its
   * temporary log directories in one, and a broker that loses its log directories while it stops
   * halts the JVM with a non-zero status, which fails the build although every test passed.
   *
   * @param context any extension context of the running test plan
   */
  static void stopAfterAllTests(ExtensionContext context) {
    context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).computeIfAbsent(
        TestServers.class, k -> (AutoCloseable) TestServers::stopAll, AutoCloseable.class);
  }

  private static synchronized void stopAll() {
    if (kafka != null || postgres != null) {
      LOG.info("stopping the test servers");
    }
    if (kafka != null) {
      kafka.close();
      kafka = null;
    }
    if (postgres != null) {
      postgres.close();
      postgres = null;
    }
  }

  /** Outside JUnit (a demo, a benchmark) the servers stop with the JVM. */
  private static void stopOnExit() {
    if (!hookAdded) {
      hookAdded = true;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      stopAll();
                    } catch (RuntimeException e) {
                      LOG.warn("stopping the test servers failed", e);
                    }
                  },
                  "cairn-test-servers-stop"));
    }
  }

}
