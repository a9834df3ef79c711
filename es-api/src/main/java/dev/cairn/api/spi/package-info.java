/**
 * Service-provider interface: helpers Cairn's own modules share (argument rules). Public so that
 * sibling modules may use them; applications should not depend on this package, which may change
 * between minor versions.
 */
@NullMarked
package dev.cairn.api.spi;

import org.jspecify.annotations.NullMarked;
