package dev.cairn.testkit.internal;

import java.io.IOException;

/**
 * The entry point of a child-JVM broker: runs {@code kafka.Kafka} and exits when its standard
 * input closes, which happens when the parent JVM ends for any reason, so no broker outlives it.
 */
public final class KafkaChildMain {

  private KafkaChildMain() {}

  /**
   * Starts the broker.
   *
   * @param args the path of the broker's properties file
   */
  public static void main(String[] args) {
    Thread watchdog =
        new Thread(
            () -> {
              try {
                while (System.in.read() >= 0) {
                  // The parent writes nothing; we only wait for end of input.
                }
              } catch (IOException e) {
                // A broken pipe means the parent is gone, as end of input does.
              }
              // Graceful shutdown runs Kafka's own hook; halt if it hangs.
              Thread halter =
                  new Thread(
                      () -> {
                        try {
                          Thread.sleep(20_000);
                        } catch (InterruptedException e) {
                          return;
                        }
                        Runtime.getRuntime().halt(1);
                      },
                      "cairn-kafka-halter");
              halter.setDaemon(true);
              halter.start();
              System.exit(0);
            },
            "cairn-parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    kafka.Kafka.main(args);
  }
}
