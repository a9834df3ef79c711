package dev.cairn.bus.kafka;

import static java.util.Objects.requireNonNull;

import dev.cairn.bus.kafka.internal.AdvisoryLock;
import dev.cairn.bus.kafka.internal.KafkaSettings;
import dev.cairn.store.jdbc.JdbcEventStore;

/**
 * Facts about a store's relay that a tool in another process needs to diagnose it (the {@code
 * cairn doctor} command, the admin API): which advisory lock elects the active relay, and how
 * large a record of the store's largest event can grow.
 */
public final class RelayDiagnostics {

  private RelayDiagnostics() {}

  /**
   * Returns the 64-bit key of the session advisory lock that the active relay of a store holds.
   * {@code pg_locks} shows it as {@code locktype = 'advisory'}, {@code objsubid = 1}, {@code
   * classid} the high and {@code objid} the low 32 bits.
   *
   * @param store the store
   * @return the key
   * @throws NullPointerException if the store is null
   */
  public static long lockKey(JdbcEventStore store) {
    requireNonNull(store, "store");
    return AdvisoryLock.keyFor(store.qualifiedTable("events"));
  }

  /**
   * Returns the largest record, in bytes as Kafka counts them, that an event of at most {@code
   * maxEventBytes} can become: what the producer's {@code max.request.size} and every event
   * topic's {@code max.message.bytes} must allow.
   *
   * @param maxEventBytes the store's largest event payload
   * @return the bound
   */
  public static int largestRecordBytes(int maxEventBytes) {
    return KafkaSettings.topicMaxMessageBytes(maxEventBytes);
  }
}
