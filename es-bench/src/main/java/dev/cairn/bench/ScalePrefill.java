package dev.cairn.bench;

import dev.cairn.store.jdbc.JdbcEventStore;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Fills a store fast with valid store rows, server-side: each transaction declares itself an
 * appender (as every append path does), then inserts the {@code streams} rows of a range of
 * streams with their final versions and their events with consecutive versions 1..n, all by
 * {@code INSERT ... SELECT generate_series}. The events get real transaction ids (the column's
 * default, {@code pg_current_xact_id()}), identity positions and random event ids, exactly as
 * {@link JdbcEventStore#append} would leave them; inside a transaction the events are ordered by
 * version, then stream, so a stream's events are spread over the global order as they would be
 * in a live store.
 *
 * <p>The payloads are {@code Accounts} events ({@code Opened} at version 1, {@code Deposited}
 * after), so a projection can read them back; {@code padding} lengthens the owner and the deposit's
 * reference to make an event of a chosen size.
 */
final class ScalePrefill {

  private static final String STREAMS = """
      INSERT INTO cairn.streams (stream_id, stream_type, version)
      SELECT 'scale-' || g, 'account', ? FROM generate_series(?::bigint, ?::bigint) AS g
      """;

  private static final String EVENTS = """
      INSERT INTO cairn.events (event_id, stream_id, stream_type, version, event_type, schema_revision, payload,
        metadata)
      SELECT gen_random_uuid(), 'scale-' || g, 'account', v, CASE WHEN v = 1 THEN 'Opened' ELSE 'Deposited' END, 1,
        CASE WHEN v = 1 THEN jsonb_build_object('owner', 'owner-' || g || repeat('x', ?))
          ELSE jsonb_build_object('amount', 100 + (g * 7 + v) % 900,
            'reference', 'ref-' || lpad(v::text, 8, '0') || repeat('x', ?)) END,
        '{}'::jsonb
      FROM generate_series(1, ?) AS v, generate_series(?::bigint, ?::bigint) AS g
      ORDER BY v, g
      """;

  private ScalePrefill() {}

  /**
   * What a fill did.
   *
   * @param events events written
   * @param streams streams written
   * @param seconds how long the inserts took
   * @param maintenanceSeconds how long {@code VACUUM ANALYZE} took after them
   */
  record Filled(long events, long streams, double seconds, double maintenanceSeconds) {}

  /**
   * Appends {@code streams} streams of {@code perStream} events each, numbered from {@code
   * firstStream}, in transactions of about {@code eventsPerTransaction} events, then runs {@code
   * VACUUM ANALYZE} as autovacuum would on a live database.
   *
   * @param padding extra characters in each deposit's reference (0 for a payload of about 50 bytes)
   */
  static Filled fill(JdbcEventStore store, long firstStream, long streams, int perStream, int padding,
      long eventsPerTransaction, PrintStream log) {
    long streamsPerTx = Math.max(1, eventsPerTransaction / perStream);
    long start = System.nanoTime();
    long written = 0;
    for (long lo = firstStream; lo < firstStream + streams; lo += streamsPerTx) {
      long hi = Math.min(lo + streamsPerTx, firstStream + streams) - 1;
      long from = lo;
      long n = store.jdbi().inTransaction(h -> {
        store.declareAppender(h);
        h.execute(STREAMS, perStream, from, hi);
        return (long) h.execute(EVENTS, padding, padding, perStream, from, hi);
      });
      written += n;
      if (streams / streamsPerTx >= 4) {
        log.printf(Locale.ROOT, "    prefill: %,d events (%.0f s)%n", written, (System.nanoTime() - start) / 1e9);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long vacuumStart = System.nanoTime();
    store.jdbi().useHandle(h -> h.execute("VACUUM ANALYZE"));
    return new Filled(written, streams, seconds, (System.nanoTime() - vacuumStart) / 1e9);
  }

  /** Returns the database's size on disk, in MB. */
  static long databaseMb(JdbcEventStore store) {
    return store.jdbi().withHandle(h ->
        h.createQuery("SELECT pg_database_size(current_database()) >> 20").mapTo(Long.class).one());
  }
}
