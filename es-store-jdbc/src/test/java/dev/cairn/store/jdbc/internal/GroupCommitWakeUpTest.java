package dev.cairn.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventIds;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.NewEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The coordination of {@link GroupCommit} alone, without a database (the store's own tests run it
 * against PostgreSQL): waiting members are woken one by one rather than by a broadcast, so a
 * wake-up that is never sent would leave a member waiting. The safety net that would hide it (a
 * member looks again after a second by itself) is set out of reach here, so such a member hangs
 * and the test times out.
 */
class GroupCommitWakeUpTest {

  private static final long NEVER = TimeUnit.DAYS.toNanos(1);

  @ParameterizedTest(name = "max size {0}, {1} in flight, wait {2} us")
  @CsvSource({"64, 1, 1000", "4, 2, 1000", "3, 3, 0", "1, 1, 0", "2, 4, 200"})
  void everyAppendEnds_andNoStreamIsInTwoGroupsAtOnce(int maxSize, int maxInFlight, long waitMicros) {
    int threads = 12;
    int appendsEach = 1_500;
    Set<String> inFlight = ConcurrentHashMap.newKeySet();
    AtomicInteger concurrentGroups = new AtomicInteger();
    AtomicInteger mostConcurrentGroups = new AtomicInteger();
    List<String> violations = new ArrayList<>();
    AtomicLong groups = new AtomicLong();
    GroupCommit groupCommit =
        new GroupCommit(
            new GroupCommitSettings(maxSize, maxInFlight, Duration.ofNanos(waitMicros * 1_000)),
            members -> {
              groups.incrementAndGet();
              mostConcurrentGroups.accumulateAndGet(concurrentGroups.incrementAndGet(), Math::max);
              Set<String> mine = new HashSet<>();
              for (GroupCommit.Member m : members) {
                if (!mine.add(m.request.streamId()) || !inFlight.add(m.request.streamId())) {
                  synchronized (violations) {
                    violations.add(m.request.streamId());
                  }
                }
              }
              Thread.yield();
              inFlight.removeAll(mine);
              concurrentGroups.decrementAndGet();
              return allCommitted(members.size());
            },
            NEVER);

    AtomicInteger ended = new AtomicInteger();
    assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () -> {
          CountDownLatch start = new CountDownLatch(1);
          List<Thread> writers = new ArrayList<>();
          for (int t = 0; t < threads; t++) {
            // Two writers per stream: their appends must never share a group or overlap.
            String stream = "stream-" + (t % (threads / 2));
            Thread w =
                new Thread(
                    () -> {
                      try {
                        start.await();
                      } catch (InterruptedException e) {
                        return;
                      }
                      for (int i = 0; i < appendsEach; i++) {
                        GroupCommit.Outcome o = groupCommit.submit(request(stream, i), null);
                        if (o != null && o.failure() == null) {
                          ended.incrementAndGet();
                        }
                      }
                    });
            // A writer left hanging by a lost wake-up must not keep the test JVM alive.
            w.setDaemon(true);
            w.start();
            writers.add(w);
          }
          start.countDown();
          for (Thread w : writers) {
            w.join();
          }
        });

    assertThat(ended).hasValue(threads * appendsEach);
    assertThat(violations).isEmpty();
    assertThat(groupCommit.queued()).isZero();
    assertThat(groupCommit.inFlight()).isZero();
    assertThat(mostConcurrentGroups.get()).isLessThanOrEqualTo(maxInFlight);
    assertThat(groups.get()).isLessThanOrEqualTo((long) threads * appendsEach);
  }

  @Test
  void aMemberInterruptedWhileItWaits_stillGetsItsOutcome_andKeepsTheInterrupt() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    GroupCommit groupCommit =
        new GroupCommit(
            new GroupCommitSettings(8, 1, Duration.ZERO),
            members -> {
              running.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return allCommitted(members.size());
            },
            NEVER);
    Thread leader = new Thread(() -> groupCommit.submit(request("a", 0), null));
    leader.setDaemon(true);
    leader.start();
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    boolean[] result = new boolean[2];
    Thread member =
        new Thread(
            () -> {
              GroupCommit.Outcome o = groupCommit.submit(request("b", 0), null);
              result[0] = o != null && o.failure() == null;
              result[1] = Thread.currentThread().isInterrupted();
            });
    member.setDaemon(true);
    member.start();
    // The member queues behind the group in flight; an interrupt must not end its wait.
    await().atMost(Duration.ofSeconds(10)).until(() -> groupCommit.queued() == 1);
    member.interrupt();
    release.countDown();
    leader.join(TimeUnit.SECONDS.toMillis(10));
    member.join(TimeUnit.SECONDS.toMillis(10));
    assertThat(member.isAlive()).isFalse();
    assertThat(result[0]).as("the member's append ended with its outcome").isTrue();
    assertThat(result[1]).as("the interrupt is kept for the caller").isTrue();
  }

  private static List<GroupCommit.Outcome> allCommitted(int members) {
    List<GroupCommit.Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < members; i++) {
      outcomes.add(GroupCommit.Outcome.committed(null));
    }
    return outcomes;
  }

  private static AppendRequest request(String stream, long expected) {
    return new AppendRequest(
        stream, "test", expected, List.of(new NewEvent(EventIds.next(), "Happened", 1, "{}", EventMetadata.EMPTY)));
  }
}
