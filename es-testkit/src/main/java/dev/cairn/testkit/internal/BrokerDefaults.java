package dev.cairn.testkit.internal;

import java.util.Map;

/** Broker settings that make a single node serve transactions and consumer groups. */
final class BrokerDefaults {

  static final Map<String, String> SINGLE_NODE =
      Map.of(
          "offsets.topic.replication.factor", "1",
          "offsets.topic.num.partitions", "5",
          "transaction.state.log.replication.factor", "1",
          "transaction.state.log.min.isr", "1",
          "transaction.state.log.num.partitions", "5",
          "share.coordinator.state.topic.replication.factor", "1",
          "share.coordinator.state.topic.min.isr", "1",
          "group.initial.rebalance.delay.ms", "0",
          "auto.create.topics.enable", "false");

  private BrokerDefaults() {}
}
