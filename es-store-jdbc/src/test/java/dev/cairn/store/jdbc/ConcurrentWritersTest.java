package dev.cairn.store.jdbc;

import static dev.cairn.store.jdbc.StoreTestSupport.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.api.ConcurrencyConflictException;
import dev.cairn.api.RecordedEvent;
import dev.cairn.testkit.PostgresExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConcurrentWritersTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static JdbcEventStore store;

  @BeforeAll
  static void migrate() {
    store = StoreTestSupport.migratedStore(pg.dataSource());
  }

  @ParameterizedTest(name = "{0} writers")
  @ValueSource(ints = {2, 50})
  void writersWithTheSameExpectedVersion_exactlyOneWinsEachRound(int writers) throws Exception {
    String stream = "contended-" + writers;
    int rounds = 20;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      for (long round = 0; round < rounds; round++) {
        long expected = round;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          results.add(
              pool.submit(
                  () -> {
                    start.await();
                    try {
                      store.append(request(stream, expected, 1));
                      return true;
                    } catch (ConcurrencyConflictException e) {
                      return false;
                    }
                  }));
        }
        start.countDown();
        int wins = 0;
        for (Future<Boolean> f : results) {
          wins += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
        }
        assertThat(wins).as("winners in round %d", round).isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }

    List<RecordedEvent> events = store.readStream(stream, 0, 1000);
    assertThat(events).extracting(RecordedEvent::version).containsExactlyElementsOf(LongStream.rangeClosed(1, rounds).boxed().toList());
    // Losers drew no sequence value: this stream's events hold consecutive global positions,
    // since no other stream was written meanwhile by this test.
    List<Long> positions = events.stream().map(e -> e.position().position()).toList();
    assertThat(positions.get(positions.size() - 1) - positions.get(0)).isEqualTo(rounds - 1);
  }
}
