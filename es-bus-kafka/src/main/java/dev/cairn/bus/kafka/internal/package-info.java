/**
 * The relay's implementation. Not API. {@link dev.cairn.bus.kafka.internal.RelayLoop} runs the
 * relay's thread over {@link dev.cairn.bus.kafka.internal.RelaySettings}; package-private helpers
 * each own one job: the transactional producer's lifecycle, resuming from the position committed
 * in Kafka, publishing one batch per transaction, the relay's meters, the monitoring copy of its
 * position, and finding and aborting hanging transactions. Kafka settings, topic administration
 * and the leader lock live here too.
 */
@NullMarked
package dev.cairn.bus.kafka.internal;

import org.jspecify.annotations.NullMarked;
