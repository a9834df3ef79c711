package dev.cairn.api;

import java.util.List;

/**
 * What an append wrote.
 *
 * @param streamId the stream
 * @param version the stream's version after the append
 * @param events the stored events, in order
 */
public record AppendResult(String streamId, long version, List<RecordedEvent> events) {}
