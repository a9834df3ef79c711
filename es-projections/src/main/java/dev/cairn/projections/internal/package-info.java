/**
 * Implementation of the projection runners and the streams projection: not an API. The types here
 * are public only where {@code dev.cairn.projections} must call them.
 */
@NullMarked
package dev.cairn.projections.internal;

import org.jspecify.annotations.NullMarked;
