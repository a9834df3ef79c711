/**
 * The {@code cairn} command line ({@link dev.cairn.cli.Cairn}): status, operations and doctor over
 * a store's database and Kafka, from another process than the service.
 */
package dev.cairn.cli;
