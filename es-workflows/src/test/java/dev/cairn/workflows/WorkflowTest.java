package dev.cairn.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.api.CommandOptions;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.RecordedEvent;
import dev.cairn.projections.FailurePolicy;
import dev.cairn.projections.ParkedEvent;
import dev.cairn.projections.StoreProjectionRunner;
import dev.cairn.testkit.PostgresExtension;
import dev.cairn.workflows.Fulfil.Add;
import dev.cairn.workflows.Fulfil.Completed;
import dev.cairn.workflows.Fulfil.Open;
import dev.cairn.workflows.Fulfil.Opened;
import dev.cairn.workflows.Fulfil.Phase;
import dev.cairn.workflows.Fulfil.Progress;
import dev.cairn.workflows.Fulfil.Rejected;
import dev.cairn.workflows.Fulfil.Released;
import dev.cairn.workflows.Fulfil.Reserve;
import dev.cairn.workflows.Fulfil.Reserved;
import dev.cairn.workflows.Fulfil.World;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WorkflowTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static final Duration WAIT = Duration.ofSeconds(60);

  World world;

  @BeforeEach
  void setUp() {
    world = new World(pg.dataSource());
  }

  private Phase phase(Workflow<Progress> wf, String id) {
    return wf.state(id).map(Progress::phase).orElse(Phase.NEW);
  }

  @Test
  void happyPath_reservesThenCompletes_carryingCorrelationCausationAndTraceparent() {
    world.stock.handle("apple", new Add(5));
    try (Workflow<Progress> wf = world.workflow(Duration.ofMinutes(5)).build()) {
      wf.migrate();
      wf.start();
      EventMetadata request =
          EventMetadata.EMPTY.withCorrelationId("corr-1").withTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
      var opened = world.requests.handle("r1", new Open("apple", 2), CommandOptions.defaults().withMetadata(request));

      await().atMost(WAIT).until(() -> phase(wf, "r1") == Phase.RESERVED && world.events("r1").size() == 2);

      assertThat(world.events("r1")).containsExactly(new Opened("apple", 2), new Completed());
      assertThat(world.events("apple")).containsExactly(new Fulfil.Added(5), new Reserved("r1", 2));
      RecordedEvent reserved = world.store.readStream("apple", 1, 1).get(0);
      assertThat(reserved.metadata().correlationId()).isEqualTo("corr-1");
      assertThat(reserved.metadata().causationId()).isEqualTo(opened.events().get(0).eventId().toString());
      assertThat(reserved.metadata().traceparent()).isEqualTo(request.traceparent());
      List<HistoryEntry> history = wf.history("r1");
      assertThat(history).extracting(HistoryEntry::input).containsExactly("Opened", "Reserved");
      assertThat(history.get(0).actions()).hasSize(2).first().asString().contains("Reserve -> stock/apple: done");
      assertThat(wf.deadlines("r1")).extracting(DeadlineView::status).containsExactly("cancelled");
      assertThat(wf.status().deadlines().cancelled()).isEqualTo(1);
    }
  }

  @Test
  void refusedCommand_isAnInput_andTheProcessCompensates() {
    world.stock.handle("pear", new Add(1));
    try (Workflow<Progress> wf = world.workflow(Duration.ofMinutes(5)).build()) {
      wf.migrate();
      wf.start();
      world.requests.handle("r2", new Open("pear", 3));

      await().atMost(WAIT).until(() -> world.events("r2").size() == 2);

      assertThat(world.events("r2").get(1)).isInstanceOf(Rejected.class);
      assertThat(((Rejected) world.events("r2").get(1)).reason()).startsWith("no stock: only 1 available");
      assertThat(world.events("pear")).hasSize(1);
      await().atMost(WAIT).untilAsserted(
          () -> assertThat(wf.history("r2")).extracting(HistoryEntry::input).containsExactly("Opened", "refused:Reserve"));
      assertThat(wf.deadlines("r2")).extracting(DeadlineView::status).containsExactly("cancelled");
      assertThat(phase(wf, "r2")).isEqualTo(Phase.REJECTED);
    }
  }

  @Test
  void deadlinePassed_rejectsTheRequest_andALateReservationIsReleased() {
    world.stock.handle("plum", new Add(4));
    world.stockGate.swallow = "plum"::equals;
    try (Workflow<Progress> wf = world.workflow(Duration.ofMillis(500)).build()) {
      wf.migrate();
      wf.start();
      world.requests.handle("r3", new Open("plum", 1));

      await().atMost(WAIT).until(() -> world.events("r3").size() == 2);
      assertThat(world.events("r3").get(1)).isEqualTo(new Rejected("expired"));

      // The reservation the slow service made after all comes in late: the process releases it.
      world.stock.handle("plum", new Reserve("r3", 1));
      world.stockGate.swallow = id -> false;
      await().atMost(WAIT).until(() -> world.events("plum").size() == 3);
      assertThat(world.events("plum")).endsWith(new Released("r3", 1));
      assertThat(wf.deadlines("r3")).extracting(DeadlineView::status).containsExactly("handled");
      await().atMost(WAIT).untilAsserted(
          () -> assertThat(wf.history("r3")).extracting(HistoryEntry::input).containsExactly("Opened", "deadline:expire", "Reserved"));
    }
  }

  @Test
  void crashAfterDispatch_beforeCheckpoint_eachActionTakesEffectOnce() {
    world.stock.handle("kiwi", new Add(10));
    // The first two dispatches to the stock commit and then the runner's transaction fails, as if
    // the process died between the command and its checkpoint; the runner handles the input again.
    world.stockGate.crashesAfterDispatch.set(2);
    try (Workflow<Progress> wf =
        world.workflow(Duration.ofMinutes(5))
            .runner(r -> r.failurePolicy(FailurePolicy.builder().maxAttempts(10).backoff(Duration.ofMillis(10), Duration.ofMillis(50)).build()))
            .build()) {
      wf.migrate();
      wf.start();
      world.requests.handle("r4", new Open("kiwi", 3));

      await().atMost(WAIT).until(() -> world.events("r4").size() == 2);

      assertThat(world.stockGate.calls.get()).isGreaterThanOrEqualTo(3);
      assertThat(world.events("kiwi")).containsExactly(new Fulfil.Added(10), new Reserved("r4", 3));
      assertThat(world.events("r4")).containsExactly(new Opened("kiwi", 3), new Completed());
      await().atMost(WAIT).untilAsserted(
          () -> assertThat(wf.history("r4")).extracting(HistoryEntry::input).containsExactly("Opened", "Reserved"));
      assertThat(wf.history("r4").get(0).actions().get(0)).endsWith(": done before");
      assertThat(wf.deadlines("r4")).hasSize(1);
    }
  }

  @Test
  void failureThatIsNotARefusal_isRetried_thenParked_andItsRetryTakesEffectOnce() {
    world.stock.handle("fig", new Add(2));
    world.stockGate.broken = "fig"::equals;
    try (Workflow<Progress> wf =
        world.workflow(Duration.ofMinutes(5))
            .runner(r -> r.failurePolicy(FailurePolicy.builder().maxAttempts(3).backoff(Duration.ofMillis(10), Duration.ofMillis(20)).build()))
            .build()) {
      wf.migrate();
      wf.start();
      world.requests.handle("r5", new Open("fig", 1));

      await().atMost(WAIT).until(() -> world.projections.deadLetters().count(wf.projection().spec()) == 1);
      List<ParkedEvent> parked = world.projections.deadLetters().list(wf.projection().spec());
      assertThat(parked.get(0).error()).contains("service of fig is down");
      assertThat(world.stockGate.calls.get()).isGreaterThanOrEqualTo(3);

      world.stockGate.broken = id -> false;
      world.projections.deadLetters().retry(wf.projection(), parked.get(0).id());

      await().atMost(WAIT).until(() -> world.events("r5").size() == 2);
      assertThat(world.events("fig")).containsExactly(new Fulfil.Added(2), new Reserved("r5", 1));
      assertThat(world.events("r5").get(1)).isEqualTo(new Completed());
    }
  }

  @Test
  void deadlineThatFellDueWhileTheServiceWasDown_firesWhenItStarts() {
    world.stock.handle("lime", new Add(1));
    world.stockGate.swallow = "lime"::equals;
    Instant due;
    try (Workflow<Progress> wf = world.workflow(Duration.ofSeconds(2)).build()) {
      wf.migrate();
      wf.start();
      world.requests.handle("r6", new Open("lime", 1));
      await().atMost(WAIT).until(() -> wf.deadlines("r6").size() == 1);
      due = wf.deadlines("r6").get(0).due();
    }
    // Down: no instance runs while the deadline falls due.
    await().atMost(WAIT).until(() -> Instant.now().isAfter(due.plusMillis(200)));
    assertThat(world.events("r6")).hasSize(1);

    try (Workflow<Progress> wf = world.workflow(Duration.ofSeconds(2)).build()) {
      wf.start();
      await().atMost(WAIT).until(() -> world.events("r6").size() == 2);
      assertThat(world.events("r6").get(1)).isEqualTo(new Rejected("expired"));
      assertThat(wf.deadlines("r6")).extracting(DeadlineView::status).containsExactly("handled");
    }
  }

  @Test
  void twoInstances_eachInputHandledOnce_eachDeadlineFiredOnce() {
    int requests = 40;
    world.stock.handle("nut", new Add(requests / 2));
    world.stock.handle("slow", new Add(100));
    world.stockGate.swallow = "slow"::equals;
    java.util.function.Function<String, Duration> timeouts =
        sku -> sku.equals("slow") ? Duration.ofMillis(300) : Duration.ofMinutes(5);
    try (Workflow<Progress> a = world.workflow(timeouts).build();
        Workflow<Progress> b = world.workflow(timeouts).build()) {
      a.migrate();
      a.start();
      for (int i = 0; i < requests; i++) {
        world.requests.handle("q" + i, new Open(i % 2 == 0 ? "nut" : "slow", 1));
        if (i == requests / 2) {
          b.start(); // takes the checkpoint over mid-stream; a's runner is fenced
        }
      }
      await().atMost(WAIT).until(
          () -> java.util.stream.IntStream.range(0, requests).allMatch(i -> world.events("q" + i).size() == 2));

      for (int i = 0; i < requests; i++) {
        String id = "q" + i;
        List<Object> events = world.events(id);
        assertThat(events).as(id).hasSize(2);
        assertThat(events.get(1)).as(id).isEqualTo(i % 2 == 0 ? new Completed() : new Rejected("expired"));
        List<Object> inputs = processStream(a, id);
        // One record per input: the Opened event, then the reservation, the refusal or the firing.
        assertThat(inputs).as(id).hasSize(2);
        List<DeadlineView> deadlines = a.deadlines(id);
        assertThat(deadlines).as(id).hasSize(1);
        assertThat(deadlines.get(0).status()).as(id).isEqualTo(i % 2 == 0 ? "cancelled" : "handled");
      }
      assertThat(world.events("nut").stream().filter(e -> e instanceof Reserved)).hasSize(requests / 2);
      assertThat(a.status().deadlines().fired()).isEqualTo(requests / 2);
    }
  }

  @Test
  void deadlineFired_thenCancelledByTheProcessBeforeItsTurn_theFiringIsDropped() throws InterruptedException {
    world.stock.handle("date", new Add(3));
    CountDownLatch evolvingReserved = new CountDownLatch(1);
    CountDownLatch firingRecorded = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(true);
    Fulfil.FulfilProcess real = new Fulfil.FulfilProcess(sku -> Duration.ofMillis(200));
    // The process, held while it evolves the reservation (its runner's transaction open) until the
    // deadline has fired and its firing is recorded after the reservation in the process stream.
    ProcessManager<Progress> held =
        new ProcessManager<>() {
          @Override
          public java.util.Optional<String> processId(dev.cairn.api.EventEnvelope<?> e) {
            return real.processId(e);
          }

          @Override
          public Progress initialState() {
            return real.initialState();
          }

          @Override
          public Progress evolve(Progress s, Input input) {
            if (input instanceof Input.Received r && r.event() instanceof Reserved && first.getAndSet(false)) {
              evolvingReserved.countDown();
              try {
                assertThat(firingRecorded.await(60, TimeUnit.SECONDS)).isTrue();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
              }
            }
            return real.evolve(s, input);
          }

          @Override
          public List<Action> react(Progress s, Input input) {
            return real.react(s, input);
          }
        };
    try (Workflow<Progress> wf = world.workflow(held).build()) {
      wf.migrate();
      // A runner without the deadline scheduler: the test fires the deadline itself.
      try (StoreProjectionRunner runner = world.projections.storeRunner(wf.projection()).build()) {
        runner.start();
        world.requests.handle("r7", new Open("date", 1));
        assertThat(evolvingReserved.await(60, TimeUnit.SECONDS)).isTrue();
        await().atMost(WAIT).until(() -> wf.fireDueDeadlines() == 1);
        // Opened, Reserved, then the firing: the firing's turn comes after the reservation's.
        assertThat(processStream(wf, "r7")).hasSize(3).last().isInstanceOf(ProcessRecord.Fired.class);
        assertThat(wf.deadlines("r7")).extracting(DeadlineView::status).containsExactly("fired");
        firingRecorded.countDown();

        await().atMost(WAIT).until(() -> wf.history("r7").size() == 3);
        List<HistoryEntry> history = wf.history("r7");
        assertThat(history).extracting(HistoryEntry::input).containsExactly("Opened", "Reserved", "deadline:expire");
        assertThat(history.get(2).detail()).isEqualTo("ignored: cancelled before its turn");
        assertThat(history.get(2).actions()).isEmpty();
        assertThat(phase(wf, "r7")).isEqualTo(Phase.RESERVED);
        assertThat(wf.deadlines("r7")).extracting(DeadlineView::status).containsExactly("cancelled");
        await().atMost(WAIT).until(() -> world.events("r7").size() == 2);
        assertThat(world.events("r7")).containsExactly(new Opened("date", 1), new Completed());
        assertThat(world.events("date")).containsExactly(new Fulfil.Added(3), new Reserved("r7", 1));
      }
    }
  }

  private List<Object> processStream(Workflow<Progress> wf, String id) {
    return world.events(wf.streamId(id));
  }
}
