package dev.cairn.store.jdbc.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes snapshots. Writes run on a background thread with a bounded queue: a snapshot
 * is an optimisation, so a full queue or a failed write drops it and never delays or fails a
 * command.
 */
final class Snapshots implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Snapshots.class);

  /** A stored snapshot. */
  record Stored(long version, String stateType, int stateRevision, String payload) {}

  private static final String FIND = """
      SELECT version, state_type, state_revision, payload::text AS payload FROM %1$s
      WHERE stream_id = :id
      """;

  // Never replace a snapshot with an older one: writes may finish out of order. One of the same
  // version is replaced: the loader only takes one at the version it found when it ignored the
  // stored one (it no longer reads), and two folds to the same version are equal anyway.
  private static final String WRITE = """
      INSERT INTO %1$s (stream_id, version, state_type, state_revision, payload, taken_at)
      VALUES (:id, :version, :type, :revision, CAST(:payload AS jsonb), now())
      ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version,
        state_type = EXCLUDED.state_type, state_revision = EXCLUDED.state_revision,
        payload = EXCLUDED.payload, taken_at = EXCLUDED.taken_at
      WHERE %1$s.version <= EXCLUDED.version
        OR %1$s.state_revision <> EXCLUDED.state_revision
        OR %1$s.state_type <> EXCLUDED.state_type
      """;

  private final Jdbi jdbi;
  private final String findSql;
  private final String writeSql;
  private final ThreadPoolExecutor writer;
  private final Counter written;
  private final Counter dropped;

  Snapshots(Jdbi jdbi, String table, MeterRegistry meters, String streamType) {
    this.jdbi = jdbi;
    this.findSql = FIND.formatted(table);
    this.writeSql = WRITE.formatted(table);
    this.writer =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(1000),
            r -> {
              Thread t = new Thread(r, "cairn-snapshots-" + streamType);
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    this.written =
        Counter.builder("cairn.snapshots.written").tag("stream_type", streamType).register(meters);
    this.dropped =
        Counter.builder("cairn.snapshots.dropped")
            .description("Snapshots not written because the queue was full or the write failed")
            .tag("stream_type", streamType)
            .register(meters);
  }

  Optional<Stored> find(Handle h, String streamId) {
    return h.createQuery(findSql)
        .bind("id", streamId)
        .map(
            (rs, ctx) ->
                new Stored(
                    rs.getLong("version"),
                    rs.getString("state_type"),
                    rs.getInt("state_revision"),
                    rs.getString("payload")))
        .findOne();
  }

  /** Queues a snapshot write; the state is serialized on the writer thread. */
  void writeLater(String streamId, long version, String stateType, int revision, StateWriter state) {
    try {
      writer.execute(() -> write(streamId, version, stateType, revision, state));
    } catch (RejectedExecutionException e) {
      dropped.increment();
    }
  }

  /** Serializes a state when the writer gets to it. */
  @FunctionalInterface
  interface StateWriter {
    String json();
  }

  void write(String streamId, long version, String stateType, int revision, StateWriter state) {
    try {
      String json = state.json();
      jdbi.useHandle(
          h ->
              h.createUpdate(writeSql)
                  .bind("id", streamId)
                  .bind("version", version)
                  .bind("type", stateType)
                  .bind("revision", revision)
                  .bind("payload", json)
                  .execute());
      written.increment();
    } catch (RuntimeException e) {
      dropped.increment();
      LOG.warn("snapshot of stream {} at version {} not written: {}", streamId, version, e.toString());
    }
  }

  /** Waits until every queued write has run; for tests and orderly shutdown. */
  void flush() {
    try {
      writer.submit(() -> {}).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.warn("snapshot queue did not drain: {}", e.toString());
    }
  }

  @Override
  public void close() {
    writer.shutdown();
    try {
      if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
        writer.shutdownNow();
      }
    } catch (InterruptedException e) {
      writer.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
