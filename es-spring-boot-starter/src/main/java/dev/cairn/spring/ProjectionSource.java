package dev.cairn.spring;

/** Where a projection runner reads its events. */
public enum ProjectionSource {
  /** The store's global order: no Kafka needed. */
  STORE,
  /** Kafka topics the relay writes, as one member of a consumer group. */
  KAFKA
}
