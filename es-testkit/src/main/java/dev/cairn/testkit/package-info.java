/**
 * Test support: given/when/then fixtures for deciders, and real PostgreSQL and Kafka servers
 * (embedded, or named by {@code CAIRN_PG_URL} and {@code CAIRN_KAFKA_BOOTSTRAP}) for tests and
 * demos, exposed as JUnit 5 extensions.
 */
@NullMarked
package dev.cairn.testkit;

import org.jspecify.annotations.NullMarked;
