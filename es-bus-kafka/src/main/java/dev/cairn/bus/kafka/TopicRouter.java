package dev.cairn.bus.kafka;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.RecordedEvent;

/**
 * Chooses the Kafka topic of each stored event. All events of one stream must go to the same
 * topic, or their order per stream is lost; routing by the stream type (the default) or by
 * anything else fixed per stream keeps it.
 */
@FunctionalInterface
public interface TopicRouter {

  /**
   * Chooses an event's topic.
   *
   * @param event the stored event
   * @return the topic's name; the same for every event of a stream
   */
  String topicFor(RecordedEvent event);

  /**
   * Routes each event to the topic named by its stream type, with a prefix: a stream of type
   * {@code Order} goes to {@code <prefix>Order}.
   *
   * @param prefix the prefix, possibly empty
   * @return the router
   * @throws NullPointerException if the prefix is null
   */
  static TopicRouter byStreamType(String prefix) {
    requireNonNull(prefix, "prefix");
    return e -> prefix + e.streamType();
  }
}
