package dev.cairn.workflows;

import dev.cairn.projections.ProjectionStatus;
import org.jspecify.annotations.Nullable;

/**
 * What a workflow is doing.
 *
 * @param name the workflow's name
 * @param runner the status of the runner that feeds its process projection, or null if this
 *     workflow object runs none (a Kafka runner started elsewhere)
 * @param deadlines its deadlines by state
 * @param schedulerRunning true if this object's deadline scheduler runs
 * @param schedulerError the last failure of a scheduler round, or null
 */
public record WorkflowStatus(
    String name,
    @Nullable ProjectionStatus runner,
    DeadlineCounts deadlines,
    boolean schedulerRunning,
    @Nullable String schedulerError) {}
