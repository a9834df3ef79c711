/**
 * Cairn's programming model: deciders over records, event envelopes and metadata, stream ids and
 * versions, command handling, the event store and serializer contracts, and the exception
 * hierarchy rooted at {@link dev.cairn.api.CairnException}.
 *
 * <p>Domain code depends on this package only, and on none of Jdbi, Kafka or Jackson.
 */
@NullMarked
package dev.cairn.api;

import org.jspecify.annotations.NullMarked;
