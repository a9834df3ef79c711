/**
 * The {@code cairn} command line ({@link dev.cairn.cli.Cairn}): status, operations and doctor over
 * a store's database and Kafka, from another process than the service.
 */
@NullMarked
package dev.cairn.cli;

import org.jspecify.annotations.NullMarked;
