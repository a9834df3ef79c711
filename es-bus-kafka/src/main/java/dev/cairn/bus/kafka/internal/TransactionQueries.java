package dev.cairn.bus.kafka.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.DescribeTopicsResult;
import org.apache.kafka.clients.admin.DescribeTransactionsResult;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin requests behind {@link HangingTransactions}: what the partitions' leaders and the
 * transaction coordinators know, and the abort. Kept apart so the rules there read without the
 * futures and timeouts; every request waits at most the timeout and fails as a {@link
 * KafkaException}.
 */
final class TransactionQueries {

  private static final Logger LOG = LoggerFactory.getLogger(HangingTransactions.class);

  private final Admin admin;
  private final Duration timeout;

  TransactionQueries(Admin admin, Duration timeout) {
    this.admin = admin;
    this.timeout = timeout;
  }

  /**
   * Every partition of the topics that exist; a topic not created yet (one the relay is about to
   * write first) holds no transaction.
   */
  List<TopicPartition> partitions(Collection<String> topics) {
    DescribeTopicsResult described = admin.describeTopics(topics);
    Map<String, TopicDescription> descriptions;
    try {
      descriptions = await(described.allTopicNames(), "describing topics " + topics);
    } catch (UnknownTopicOrPartitionException e) {
      // Every future has completed by now: keep the topics that exist, without waiting again.
      descriptions = new HashMap<>();
      for (Map.Entry<String, KafkaFuture<TopicDescription>> f : described.topicNameValues().entrySet()) {
        try {
          descriptions.put(f.getKey(), await(f.getValue(), "describing topic " + f.getKey()));
        } catch (UnknownTopicOrPartitionException missing) {
          LOG.debug("topic {} does not exist (yet); no transaction to look at there", f.getKey());
        }
      }
    }
    List<TopicPartition> partitions = new ArrayList<>();
    descriptions.forEach(
        (topic, d) -> d.partitions().forEach(p -> partitions.add(new TopicPartition(topic, p.partition()))));
    return partitions;
  }

  /** The active producers of each partition, as the partition's leader knows them. */
  Map<TopicPartition, List<ProducerState>> producers(List<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return Map.of();
    }
    Map<TopicPartition, PartitionProducerState> states =
        await(admin.describeProducers(partitions).all(), "describing the producers of " + partitions);
    Map<TopicPartition, List<ProducerState>> result = new HashMap<>();
    states.forEach((tp, state) -> result.put(tp, state.activeProducers()));
    return result;
  }

  /**
   * Asks the coordinators what they know of the open transactions' producer ids.
   *
   * @return their transactions by producer id; a producer id missing is unknown to them
   */
  Map<Long, TransactionDescription> coordinatorView(List<HangingTransactions.OpenTransaction> open) {
    Set<Long> producerIds = new HashSet<>();
    open.forEach(t -> producerIds.add(t.producerId()));
    Collection<TransactionListing> listings =
        await(
            admin.listTransactions(new ListTransactionsOptions().filterProducerIds(producerIds)).all(),
            "listing the transactions of producer ids " + producerIds);
    Map<String, Long> producerIdsByTransactionalId = new HashMap<>();
    for (TransactionListing listing : listings) {
      if (producerIds.contains(listing.producerId())) {
        producerIdsByTransactionalId.put(listing.transactionalId(), listing.producerId());
      }
    }
    Map<Long, TransactionDescription> view = new HashMap<>();
    if (producerIdsByTransactionalId.isEmpty()) {
      return view;
    }
    DescribeTransactionsResult described = admin.describeTransactions(producerIdsByTransactionalId.keySet());
    producerIdsByTransactionalId.forEach(
        (transactionalId, producerId) -> {
          try {
            view.put(producerId, await(described.description(transactionalId), "describing transaction " + transactionalId));
          } catch (TransactionalIdNotFoundException e) {
            // Expired between listing and describing: the coordinator no longer knows the producer id.
            LOG.debug("transactional id {} vanished while checking for hanging transactions", transactionalId);
          }
        });
    return view;
  }

  /** Writes an abort marker for an open transaction on its partition. */
  void abort(HangingTransactions.OpenTransaction t) {
    await(
        admin.abortTransaction(
                new AbortTransactionSpec(t.partition(), t.producerId(), t.producerEpoch(), t.coordinatorEpoch()))
            .all(),
        "aborting the hanging transaction of producer " + t.producerId() + " on " + t.partition());
  }

  private <T> T await(KafkaFuture<T> future, String what) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof KafkaException k ? k : new KafkaException(what + ": " + cause, cause);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new TimeoutException(what + " took longer than " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted " + what, e);
    }
  }
}
