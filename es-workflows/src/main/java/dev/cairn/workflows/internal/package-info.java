/**
 * Implementation of the workflow runtime: the process projection, the dispatch of commands, the
 * process streams and the durable deadlines. Not an API: types are public only where {@code
 * dev.cairn.workflows} must call them.
 */
@NullMarked
package dev.cairn.workflows.internal;

import org.jspecify.annotations.NullMarked;
