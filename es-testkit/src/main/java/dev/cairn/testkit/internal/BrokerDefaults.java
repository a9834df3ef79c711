package dev.cairn.testkit.internal;

import static java.util.Map.entry;

import java.util.Map;

/** Broker settings that make a single node, or a small cluster, serve transactions and consumer groups. */
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

  /**
   * A cluster of three or more nodes as production runs it: everything replicated three times and
   * acknowledged by two. A killed node is fenced after three seconds instead of nine, so tests that
   * kill brokers spend little time waiting for leaders to move.
   */
  static final Map<String, String> CLUSTER =
      Map.ofEntries(
          entry("default.replication.factor", "3"),
          entry("min.insync.replicas", "2"),
          entry("num.partitions", "3"),
          entry("offsets.topic.replication.factor", "3"),
          entry("offsets.topic.num.partitions", "5"),
          entry("transaction.state.log.replication.factor", "3"),
          entry("transaction.state.log.min.isr", "2"),
          entry("transaction.state.log.num.partitions", "5"),
          entry("share.coordinator.state.topic.replication.factor", "3"),
          entry("share.coordinator.state.topic.min.isr", "2"),
          entry("unclean.leader.election.enable", "false"),
          entry("broker.session.timeout.ms", "3000"),
          entry("broker.heartbeat.interval.ms", "500"),
          entry("group.initial.rebalance.delay.ms", "0"),
          entry("auto.create.topics.enable", "false"));

  private BrokerDefaults() {}
}
