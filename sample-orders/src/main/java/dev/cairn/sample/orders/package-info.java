/**
 * The tutorial order service: an order domain written as a decider over records, its read
 * models, and a runnable HTTP service on embedded PostgreSQL and Kafka.
 */
@NullMarked
package dev.cairn.sample.orders;

import org.jspecify.annotations.NullMarked;
