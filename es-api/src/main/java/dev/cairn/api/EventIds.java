package dev.cairn.api;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes event ids that are time-ordered UUIDs (version 7 of RFC 9562): the first 48 bits are the
 * Unix time in milliseconds, the rest random, with a counter keeping ids from one JVM increasing
 * within a millisecond (past 4096 ids in one millisecond they borrow from the next). The random
 * part is for uniqueness, not secrecy: ids are not meant to be unguessable.
 *
 * <p>Why not random UUIDs: the store keeps a unique index on the event id. New random ids land on
 * random pages of that index, so once it outgrows memory every insert reads a page, and after each
 * checkpoint the first change to each page writes the whole page to the write-ahead log. Ids that
 * grow with time land on the index's rightmost pages, which stay in memory and are written once.
 */
public final class EventIds {

  /** The last (millisecond << 12 | sequence) handed out, so ids from this JVM only increase. */
  private static final AtomicLong LAST = new AtomicLong();

  private EventIds() {}

  /**
   * Returns a new time-ordered event id.
   *
   * @return the id
   */
  public static UUID next() {
    long now = System.currentTimeMillis() << 12;
    long stamp = LAST.updateAndGet(last -> Math.max(last + 1, now));
    long millis = stamp >>> 12;
    long sequence = stamp & 0xfff;
    long high = (millis << 16) | 0x7000L | sequence;
    long low = (ThreadLocalRandom.current().nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
    return new UUID(high, low);
  }
}
