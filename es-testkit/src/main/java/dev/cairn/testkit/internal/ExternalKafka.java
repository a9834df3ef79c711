package dev.cairn.testkit.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.testkit.KafkaServer;

/** A Kafka cluster that someone else runs, named by its bootstrap servers. */
public final class ExternalKafka implements KafkaServer {

  private final String bootstrapServers;

  /**
   * Names the cluster.
   *
   * @param bootstrapServers its bootstrap servers
   * @throws IllegalArgumentException if blank
   */
  public ExternalKafka(String bootstrapServers) {
    requireNonNull(bootstrapServers, "bootstrapServers");
    if (bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("CAIRN_KAFKA_BOOTSTRAP must not be blank");
    }
    this.bootstrapServers = bootstrapServers;
  }

  @Override
  public String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public String describe() {
    return "external Kafka at " + bootstrapServers;
  }

  @Override
  public void close() {
    // Not ours to stop.
  }
}
