package dev.cairn.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OpenLoopTest {

  @Test
  void latency_countsFromTheDueTime_andIncludesTheObservedDelay() throws Exception {
    OpenLoop loop = new OpenLoop(1000, Duration.ofMillis(200));
    ExecutorService sends = Executors.newSingleThreadExecutor();
    ScheduledExecutorService consumer = Executors.newSingleThreadScheduledExecutor();
    try {
      long[] latencies =
          loop.run(sends, i -> consumer.schedule(() -> loop.completed(i), 2, TimeUnit.MILLISECONDS), Duration.ofSeconds(10));
      assertThat(loop.count()).isEqualTo(200);
      assertThat(latencies).hasSize(200);
      // Each completion comes at least 2 ms after its send, which is at or after its due time.
      assertThat(OpenLoop.sorted(latencies)[0]).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(2));
    } finally {
      sends.shutdownNow();
      consumer.shutdownNow();
    }
  }

  @Test
  void run_withOperationsThatNeverFinish_failsNamingHowMany() {
    OpenLoop loop = new OpenLoop(1000, Duration.ofMillis(10));
    assertThatThrownBy(() -> loop.run(Runnable::run, i -> {}, Duration.ofMillis(50)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("10 of 10 operations did not finish");
  }

  @Test
  void runAllowingUnfinished_marksOperationsThatNeverFinish_andReturnsTheOthers() throws Exception {
    OpenLoop loop = new OpenLoop(1000, Duration.ofMillis(4));
    long[] latencies =
        loop.runAllowingUnfinished(Runnable::run, i -> {
          if (i % 2 == 1) {
            loop.completed(i);
          }
        }, Duration.ofMillis(20));
    assertThat(latencies).hasSize(4);
    assertThat(latencies[0]).isEqualTo(OpenLoop.UNFINISHED);
    assertThat(latencies[2]).isEqualTo(OpenLoop.UNFINISHED);
    assertThat(latencies[1]).isNotNegative().isLessThan(OpenLoop.UNFINISHED);
    assertThat(latencies[3]).isNotNegative().isLessThan(OpenLoop.UNFINISHED);
  }

  @Test
  void completed_twice_countsOnce() throws Exception {
    OpenLoop loop = new OpenLoop(1000, Duration.ofMillis(2));
    long[] latencies =
        loop.run(Runnable::run, i -> {
          loop.completed(i);
          loop.completed(i);
        }, Duration.ofSeconds(1));
    assertThat(latencies).hasSize(2);
    assertThat(Math.min(latencies[0], latencies[1])).isNotNegative();
  }

  @Test
  void plan_withoutOperations_isRejected() {
    assertThatThrownBy(() -> new OpenLoop(1000, Duration.ofNanos(10))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new OpenLoop(0, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void due_isTheStartPlusOneIntervalPerOperation() throws Exception {
    OpenLoop loop = new OpenLoop(1000, Duration.ofMillis(5));
    long before = System.nanoTime();
    loop.run(Runnable::run, loop::completed, Duration.ofSeconds(1));
    assertThat(loop.due(0)).isGreaterThanOrEqualTo(before);
    assertThat(loop.due(4) - loop.due(0)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(4));
  }
}
