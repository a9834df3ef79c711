package dev.cairn.api;

/**
 * Where an event sits in the store's global order: the id of the transaction that wrote it, then
 * its position within the store. Positions compare by transaction first, so a reader that has
 * passed a position has seen every event of every transaction before it.
 *
 * @param txId the writing transaction's id (PostgreSQL's 64-bit {@code xid8})
 * @param position the event's global position (an identity column)
 */
public record GlobalPosition(long txId, long position) implements Comparable<GlobalPosition> {

  /** The position before every event: reading after it reads from the start. */
  public static final GlobalPosition START = new GlobalPosition(0, 0);

  /**
   * Checks the components.
   *
   * @throws IllegalArgumentException if either is negative
   */
  public GlobalPosition {
    if (txId < 0 || position < 0) {
      throw new IllegalArgumentException(
          "global position components must be >= 0 but were txId=" + txId + ", position=" + position);
    }
  }

  @Override
  public int compareTo(GlobalPosition other) {
    int byTx = Long.compare(txId, other.txId);
    return byTx != 0 ? byTx : Long.compare(position, other.position);
  }

  /**
   * Tells whether this position comes after another.
   *
   * @param other the other position
   * @return true if strictly after
   */
  public boolean isAfter(GlobalPosition other) {
    return compareTo(other) > 0;
  }

  /**
   * Parses the form {@link #toString()} writes.
   *
   * @param text {@code txId/position}
   * @return the position
   * @throws IllegalArgumentException if the text is not of that form
   */
  public static GlobalPosition parse(String text) {
    int slash = text == null ? -1 : text.indexOf('/');
    if (slash < 1) {
      throw new IllegalArgumentException("global position must be txId/position but was " + text);
    }
    try {
      return new GlobalPosition(
          Long.parseLong(text.substring(0, slash)), Long.parseLong(text.substring(slash + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("global position must be txId/position but was " + text, e);
    }
  }

  @Override
  public String toString() {
    return txId + "/" + position;
  }
}
