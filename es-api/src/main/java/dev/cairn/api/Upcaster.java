package dev.cairn.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Turns the JSON of one revision of an event type into the next revision's shape. Upcasters are
 * chained, so an event stored at revision 1 is read through 1→2, 2→3 and so on up to the current
 * revision.
 */
@FunctionalInterface
public interface Upcaster {

  /**
   * Upcasts one revision.
   *
   * @param payload the JSON of the older revision; may be changed in place
   * @return the JSON in the next revision's shape
   */
  ObjectNode upcast(ObjectNode payload);
}
