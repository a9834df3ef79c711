/**
 * Benchmarks of Cairn's hot paths, each measured beside a raw JDBC or raw Kafka baseline in the
 * same run and reported as a ratio. Not a library.
 */
@NullMarked
package dev.cairn.bench;

import org.jspecify.annotations.NullMarked;
