package dev.cairn.admin;

import java.util.List;

/**
 * One page of a longer list.
 *
 * @param items the page's items
 * @param total how many there are in all
 * @param limit the page size asked for
 * @param offset how many were skipped
 * @param <T> the item type
 */
public record Page<T>(List<T> items, long total, int limit, int offset) {

  /** Copies the items. */
  public Page {
    items = List.copyOf(items);
  }

  /**
   * Checks paging arguments.
   *
   * @param limit 1 to 500
   * @param offset 0 or more
   * @throws IllegalArgumentException naming the argument and the rule
   */
  public static void check(int limit, int offset) {
    if (limit < 1 || limit > 500) {
      throw new IllegalArgumentException("limit must be between 1 and 500, was " + limit);
    }
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0, was " + offset);
    }
  }
}
