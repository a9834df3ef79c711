package dev.cairn.testkit;

import java.time.Duration;
import java.util.List;

/**
 * A KRaft cluster of several broker processes, each a combined broker and controller in a child
 * JVM, which a test can kill and restart one at a time to check what survives the loss of a
 * partition leader or of a transaction coordinator. Topics are replicated to three nodes and
 * acknowledged by two ({@code min.insync.replicas=2}), so a three-node cluster keeps serving
 * {@code acks=all} producers and transactions with one node down.
 */
public interface KafkaCluster extends KafkaServer {

  /**
   * Returns the node ids of the cluster, {@code 1..n}.
   *
   * @return the node ids in order
   */
  List<Integer> nodeIds();

  /**
   * Returns one broker process, to kill or restart.
   *
   * @param nodeId the node's id, as {@link #nodeIds()} lists it
   * @return the broker process
   * @throws IllegalArgumentException if no node has that id
   */
  KafkaProcess broker(int nodeId);

  /**
   * Finds the node that leads a partition now.
   *
   * @param topic the topic
   * @param partition the partition
   * @return the leader's node id
   * @throws IllegalStateException if the partition has no leader or the cluster does not answer
   */
  int leaderOf(String topic, int partition);

  /**
   * Finds the node that coordinates the transactions of a transactional id now.
   *
   * @param transactionalId a transactional id some producer has initialised
   * @return the coordinator's node id
   * @throws IllegalStateException if the id is unknown or the cluster does not answer
   */
  int transactionCoordinatorOf(String transactionalId);

  /**
   * Waits until every replica of every partition, internal topics included, is in sync again, as
   * after a restarted broker has caught up.
   *
   * @param timeout how long to wait
   * @throws IllegalStateException if some replica is still behind when the time is up
   */
  void awaitAllInSync(Duration timeout);
}
