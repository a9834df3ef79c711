/**
 * The relay that streams stored events to Kafka exactly once, keyed by aggregate id and in order
 * per aggregate; topic administration, the record format and typed consumption helpers.
 */
@NullMarked
package dev.cairn.bus.kafka;

import org.jspecify.annotations.NullMarked;
