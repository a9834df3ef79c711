package dev.cairn.bus.kafka.internal;

import dev.cairn.bus.kafka.KafkaRelay;
import dev.cairn.store.jdbc.JdbcEventStore;
import java.time.OffsetDateTime;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records in the store which transactional id publishes its events with a position topic, and
 * refuses a relay configured with another one: it would escape Kafka's fencing of a zombie (which
 * works only among producers with the same id) and resume from a position of its own, publishing
 * every event again. An operator who changes the id says so by naming the id it replaces. Checked
 * while the relay holds the store's relay lock, so two relays never race on it.
 */
final class RelayOwner {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaRelay.class);

  private static final String CLAIM = """
      INSERT INTO %s (position_topic, transactional_id) VALUES (:topic, :id)
      ON CONFLICT (position_topic) DO NOTHING""";
  private static final String OWNER = """
      SELECT transactional_id, since FROM %s WHERE position_topic = :topic""";
  private static final String TAKE_OVER = """
      UPDATE %s SET transactional_id = :id, since = now()
      WHERE position_topic = :topic AND transactional_id = :previous""";

  private record Owner(String transactionalId, OffsetDateTime since) {}

  private final JdbcEventStore store;
  private final String table;
  private final String positionTopic;
  private final String transactionalId;
  private final Optional<String> replaces;

  RelayOwner(RelaySettings settings) {
    this.store = settings.store();
    this.table = store.qualifiedTable("relay_owners");
    this.positionTopic = settings.positionTopic();
    this.transactionalId = settings.transactionalId();
    this.replaces = settings.replacesTransactionalId();
  }

  /**
   * Records this relay's id as the one that publishes with its position topic, if none is yet or
   * it names the recorded one as replaced.
   *
   * @throws RelayCheckException naming both ids if another one is recorded
   */
  void claim() {
    Owner owner = store.jdbi().inTransaction(h -> {
      h.createUpdate(CLAIM.formatted(table)).bind("topic", positionTopic).bind("id", transactionalId).execute();
      return h.createQuery(OWNER.formatted(table)).bind("topic", positionTopic)
          .map((rs, ctx) -> new Owner(rs.getString("transactional_id"), rs.getObject("since", OffsetDateTime.class)))
          .one();
    });
    if (owner.transactionalId().equals(transactionalId)) {
      return;
    }
    if (replaces.isPresent() && replaces.get().equals(owner.transactionalId())) {
      store.jdbi().useHandle(h -> h.createUpdate(TAKE_OVER.formatted(table))
          .bind("topic", positionTopic).bind("id", transactionalId).bind("previous", owner.transactionalId())
          .execute());
      LOG.warn(
          "relay {} replaces transactional id {} (recorded since {}) for position topic {} of store {}, as configured",
          transactionalId, owner.transactionalId(), owner.since(), positionTopic, store.qualifiedTable("events"));
      return;
    }
    throw new RelayCheckException(
        "transactional-id",
        "store " + store.qualifiedTable("events") + " publishes with position topic " + positionTopic
            + " under transactional id " + owner.transactionalId() + " (recorded since " + owner.since()
            + "), but this relay is configured with " + transactionalId + (replaces.map(r -> " replacing " + r).orElse(""))
            + ": Kafka fences a zombie relay only among relays with the same id, and this one would publish every"
            + " event again from a position of its own. Configure " + owner.transactionalId() + ", or, once every"
            + " relay with it has stopped, KafkaRelayBuilder.replacesTransactionalId(\"" + owner.transactionalId()
            + "\")");
  }
}
