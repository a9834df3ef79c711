package dev.cairn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.testkit.PostgresDatabase;
import dev.cairn.testkit.PostgresServer;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Events per WAL flush read from a real server: counted when every commit is flushed, absent when
 * nothing is. The embedded server either way, since only it can be started durable.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WalFlushesTest {

  @Test
  void aDurableServer_countsItsFlushes_oneWriterPaysAboutOnePerCommit() throws Exception {
    try (PostgresServer pg = PostgresServer.embedded(Environment.DURABLE)) {
      Wal.Sample s = oneWriterOfSingleRowCommits(pg);

      // One writer waits for each commit's flush before the next, so no flush is shared; the WAL
      // writer may flush a commit first now and then, which leaves slightly more than one.
      assertThat(s.eventsPerFlush()).isBetween(0.9, 1.5);
    }
  }

  @Test
  void aServerWithoutFsync_hasNoFlushFigure() throws Exception {
    try (PostgresServer pg = PostgresServer.embedded()) {
      // A new WAL segment in the window: the server syncs its file even with fsync off, which is
      // not a commit's flush and must not be counted as one.
      Wal.Sample s = oneWriterOfSingleRowCommits(pg);

      assertThat(s.eventsPerSec()).isPositive();
      assertThat(s.eventsPerFlush()).isNaN();
    }
  }

  private static Wal.Sample oneWriterOfSingleRowCommits(PostgresServer pg) throws Exception {
    ExecutorService workers = Executors.newSingleThreadExecutor();
    try (PostgresDatabase db = pg.createDatabase("wal_flushes");
        HikariDataSource pool = pool(db)) {
      try (Connection c = pool.getConnection();
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE t (n bigint)");
      }
      AtomicBoolean switchSegment = new AtomicBoolean(true);
      Measure<Wal.Sample> side = Wal.throughput(pool, workers, 1, t -> {
        try (Connection c = pool.getConnection();
            Statement s = c.createStatement()) {
          if (switchSegment.getAndSet(false)) {
            s.execute("SELECT pg_switch_wal()");
          }
          s.execute("INSERT INTO t VALUES (1)");
        }
        return 1;
      });
      return side.run(Duration.ofMillis(500));
    } finally {
      workers.shutdownNow();
    }
  }

  private static HikariDataSource pool(PostgresDatabase db) {
    HikariConfig config = new HikariConfig();
    config.setDataSource(db.dataSource());
    config.setMaximumPoolSize(2);
    return new HikariDataSource(config);
  }
}
