package dev.cairn.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.api.EventIds;
import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.NewEvent;
import dev.cairn.store.jdbc.JdbcEventStore;
import dev.cairn.testkit.PostgresDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Appends of {@code batch} events per transaction by 1 or more writers, each writer to a stream
 * of its own (no conflicts): Cairn's {@link JdbcEventStore#append} against a raw JDBC INSERT of
 * the same rows (one row, or one multi-row statement) into a table like Cairn's, in an explicit
 * transaction, on the same Hikari pool.
 */
final class AppendCase implements BenchCase {

  private final String name;
  private final int batch;
  private final int[] writerCounts;
  private final double minRatio;
  private final boolean newStreams;

  private AppendCase(String name, int batch, int[] writerCounts, double minRatio, boolean newStreams) {
    this.name = name;
    this.batch = batch;
    this.writerCounts = writerCounts.clone();
    this.minRatio = minRatio;
    this.newStreams = newStreams;
  }

  /** One event per transaction, with 1 and with 8 writers; target ratio 0.8. */
  static AppendCase single() {
    return new AppendCase("append_single", 1, new int[] {1, 8}, 0.8, false);
  }

  /** 100 events per transaction, one writer; target ratio 0.7. */
  static AppendCase batch100() {
    return new AppendCase("append_batch100", 100, new int[] {1}, 0.7, false);
  }

  /**
   * One event per transaction, each the first of a new stream, 8 writers; target ratio 0.8. Cairn
   * inserts the stream's row as well as the event's; the baseline the event's row only.
   */
  static AppendCase newStream() {
    return new AppendCase("append_new_stream", 1, new int[] {8}, 0.8, true);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String description() {
    StringBuilder writers = new StringBuilder();
    for (int w : writerCounts) {
      writers.append(writers.length() == 0 ? "" : " and ").append(w);
    }
    return (batch == 1 ? "1 event" : batch + " events") + " per append" + (newStreams ? " to a new stream" : "")
        + ", " + writers + " writer(s), vs raw JDBC "
        + (batch == 1 ? "single-row" : "multi-row") + " INSERT per transaction";
  }

  @Override
  public List<Result> run(BenchContext ctx) throws Exception {
    int maxWriters = 0;
    for (int w : writerCounts) {
      maxWriters = Math.max(maxWriters, w);
    }
    if (maxWriters > BenchContext.POOL_SIZE) {
      throw new IllegalStateException(maxWriters + " writers need more than " + BenchContext.POOL_SIZE + " connections");
    }
    List<Result> results = new ArrayList<>();
    ExecutorService workers = Executors.newFixedThreadPool(maxWriters);
    try (PostgresDatabase db = ctx.database(name);
        HikariDataSource pool = ctx.pool(db, name)) {
      JdbcEventStore store =
          JdbcEventStore.builder(pool).schema("cairn").meterRegistry(new SimpleMeterRegistry()).build();
      store.migrate();
      RawEvents.create(pool);
      String insert = RawEvents.insert(batch);
      for (int writers : writerCounts) {
        String row = writerCounts.length == 1 ? name : name + "_" + writers + "w";
        // Each writer owns a stream and its version, so no append ever conflicts.
        long[] cairnVersions = new long[writers];
        long[] rawVersions = new long[writers];
        // With new streams each append goes to a stream of its own, at version 0.
        long[] cairnStreams = new long[writers];
        long[] rawStreams = new long[writers];
        Measure.Op cairn = t -> {
          long v = newStreams ? 0 : cairnVersions[t];
          EventMetadata meta = EventMetadata.EMPTY.withCorrelationId(UUID.randomUUID().toString());
          List<NewEvent> events = new ArrayList<>(batch);
          for (int i = 1; i <= batch; i++) {
            events.add(new NewEvent(EventIds.next(), "Deposited", 1, Accounts.depositJson(v + i), meta));
          }
          String stream = row + "-cairn-" + t + (newStreams ? "-" + cairnStreams[t]++ : "");
          store.append(new AppendRequest(stream, Accounts.STREAM_TYPE, v, events));
          cairnVersions[t] = v + batch;
          return batch;
        };
        Measure.Op raw = t -> {
          long v = newStreams ? 0 : rawVersions[t];
          String meta = RawEvents.metadataJson(UUID.randomUUID().toString());
          String stream = row + "-raw-" + t + (newStreams ? "-" + rawStreams[t]++ : "");
          try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(insert)) {
              int p = 1;
              for (int i = 1; i <= batch; i++) {
                ps.setObject(p++, UUID.randomUUID());
                ps.setString(p++, stream);
                ps.setString(p++, Accounts.STREAM_TYPE);
                ps.setLong(p++, v + i);
                ps.setString(p++, "Deposited");
                ps.setInt(p++, 1);
                ps.setString(p++, Accounts.depositJson(v + i));
                ps.setString(p++, meta);
              }
              ps.executeUpdate();
            }
            c.commit();
          }
          rawVersions[t] = v + batch;
          return batch;
        };
        Wal.Figures f =
            Wal.interleaved(ctx.settings(), ctx.log(), row,
                Wal.throughput(pool, workers, writers, cairn), Wal.throughput(pool, workers, writers, raw));
        Result r =
            Result.throughput(row, f.cairn(), f.baseline(), minRatio,
                writers + " writer(s), " + batch + " event(s)/tx" + (newStreams ? ", each to a new stream" : "")
                    + "; store.append vs raw " + (batch == 1 ? "single-row" : batch + "-row") + " INSERT, pool "
                    + BenchContext.POOL_SIZE);
        results.add(r.withWal(f));
      }
    } finally {
      workers.shutdownNow();
    }
    return results;
  }
}
