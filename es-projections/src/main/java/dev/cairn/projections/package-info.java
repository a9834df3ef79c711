/**
 * Projections and their runners: exactly-once folding into read-model tables, checkpoints,
 * replay from any offset, zero-downtime rebuilds, dead letters and the Kafka Streams projection.
 *
 * <pre>{@code
 * Projection balances = Projections.builder("balances", 1)
 *     .table("CREATE TABLE {table} (account text PRIMARY KEY, balance bigint NOT NULL)")
 *     .on(Deposited.class, (e, h, m) -> h.createUpdate("INSERT INTO " + m.table() + " VALUES (:a, :n)"
 *             + " ON CONFLICT (account) DO UPDATE SET balance = " + m.table() + ".balance + :n")
 *         .bind("a", e.streamId()).bind("n", e.event().amount()).execute())
 *     .build();
 * ProjectionManager projections = ProjectionManager.create(store, serializer);
 * projections.migrate();
 * projections.install(balances);                       // tables balances_v1, view balances
 * projections.kafkaRunner(balances, consumerConfig, List.of("account")).build().start();
 * }</pre>
 *
 * <p>{@link dev.cairn.projections.ProjectionManager} is the entry point; {@link
 * dev.cairn.projections.StoreProjectionRunner} and {@link
 * dev.cairn.projections.KafkaProjectionRunner} feed a projection version, each batch in one
 * transaction with a fenced checkpoint; {@link dev.cairn.projections.Rebuild} builds a new version
 * beside the serving one and switches readers in one transaction; {@link
 * dev.cairn.projections.ProjectionManager#readSide} manages projections on a read side's own
 * database, with no event store, and {@link dev.cairn.projections.KafkaRebuild} rebuilds there
 * from the retained topics; {@link dev.cairn.projections.DeadLetters} lists, retries and skips parked events; {@link
 * dev.cairn.projections.StreamsProjection} folds a topic into a Kafka Streams state store.
 *
 * <p>A {@link dev.cairn.projections.Projection} is applied event by event; a {@link
 * dev.cairn.projections.BatchProjection} gets each batch's events in one call, for multi-row
 * writes, and falls back to event by event (under savepoints) when a batch fails.
 */
@NullMarked
package dev.cairn.projections;

import org.jspecify.annotations.NullMarked;
