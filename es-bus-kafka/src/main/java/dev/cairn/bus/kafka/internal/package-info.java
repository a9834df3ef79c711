/** The relay's implementation: Kafka settings, topic administration, the leader lock. Not API. */
package dev.cairn.bus.kafka.internal;
