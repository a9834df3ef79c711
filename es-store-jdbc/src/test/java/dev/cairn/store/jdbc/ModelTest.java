package dev.cairn.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.api.CommandRejectedException;
import dev.cairn.store.jdbc.Accounts.Account;
import dev.cairn.store.jdbc.Accounts.AccountDecider;
import dev.cairn.store.jdbc.Accounts.Command;
import dev.cairn.store.jdbc.Accounts.Deposit;
import dev.cairn.store.jdbc.Accounts.Event;
import dev.cairn.store.jdbc.Accounts.Open;
import dev.cairn.store.jdbc.Accounts.Touch;
import dev.cairn.store.jdbc.Accounts.Withdraw;
import dev.cairn.testkit.PostgresExtension;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Random commands against the decider, through the store (with a small cache and frequent
 * snapshots, so every load path is taken), compared after each step with an in-memory fold.
 */
class ModelTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static JdbcEventStore store;

  @BeforeAll
  static void setUp() {
    store = StoreTestSupport.migratedStore(pg.dataSource());
  }

  @RepeatedTest(5)
  void storeLoadedState_alwaysEqualsAnInMemoryFold(RepetitionInfo info) {
    long seed = System.nanoTime() ^ info.getCurrentRepetition();
    Random random = new Random(seed);
    AccountDecider decider = new AccountDecider();
    JdbcAggregateRepository<Command, Account, Event> repo =
        store.repository("account", decider)
            .serializer(Accounts.serializer())
            .cacheSize(3)
            .snapshots(Account.class, 1)
            .snapshotEvery(1 + random.nextInt(7))
            .build();
    JdbcAggregateRepository<Command, Account, Event> uncached =
        store.repository("account", decider).serializer(Accounts.serializer()).cacheSize(0).build();
    Map<String, Account> model = new HashMap<>();
    String prefix = "m" + info.getCurrentRepetition() + "-" + seed + "-";

    for (int step = 0; step < 300; step++) {
      String id = prefix + random.nextInt(8);
      Command command =
          switch (random.nextInt(5)) {
            case 0 -> new Open("o" + random.nextInt(3));
            case 1, 2 -> new Deposit(random.nextInt(100));
            case 3 -> new Withdraw(random.nextInt(150));
            default -> new Touch();
          };
      Account expected = model.getOrDefault(id, decider.initialState());
      List<Event> events;
      try {
        events = decider.decide(command, expected);
      } catch (CommandRejectedException e) {
        events = null;
      }
      boolean rejected = false;
      try {
        repo.handle(id, command);
      } catch (CommandRejectedException e) {
        rejected = true;
      }
      assertThat(rejected).as("seed %d step %d: rejection of %s", seed, step, command).isEqualTo(events == null);
      if (events != null) {
        for (Event e : events) {
          expected = decider.evolve(expected, e);
        }
        model.put(id, expected);
      }
      if (step % 25 == 0) {
        repo.flushSnapshots();
      }
      assertThat(repo.load(id).state()).as("seed %d step %d: cached/snapshot load of %s", seed, step, id).isEqualTo(expected);
      assertThat(uncached.load(id).state()).as("seed %d step %d: plain load of %s", seed, step, id).isEqualTo(expected);
    }
    repo.close();
  }
}
