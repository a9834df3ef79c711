/**
 * Process managers (sagas) across aggregates, in the decider style, run on the projection runners
 * with durable deadlines in PostgreSQL.
 *
 * <p>A {@link dev.cairn.workflows.ProcessManager} names the instance an event belongs to, folds its
 * {@link dev.cairn.workflows.Input}s into a state and reacts with {@link dev.cairn.workflows.Action}s;
 * a {@link dev.cairn.workflows.Workflow} records every input in the instance's own stream (one
 * order per instance), runs the process as a projection (state, deadlines and checkpoint in one
 * transaction), sends commands with idempotency keys and fires deadlines on any instance.
 */
@NullMarked
package dev.cairn.workflows;

import org.jspecify.annotations.NullMarked;
