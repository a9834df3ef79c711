package dev.cairn.bench;

import dev.cairn.api.Decider;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.JacksonEventSerializer;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The benchmark's domain: bank accounts, with events of a realistic small size. */
final class Accounts {

  /** The stream type of every account. */
  static final String STREAM_TYPE = "account";

  private Accounts() {}

  sealed interface Command permits Open, Deposit {}

  record Open(String owner) implements Command {}

  record Deposit(long amount, String reference) implements Command {}

  sealed interface Event permits Opened, Deposited {}

  record Opened(String owner) implements Event {}

  record Deposited(long amount, String reference) implements Event {}

  /** The state: owner (null until opened), balance and how many events were folded. */
  record Account(@Nullable String owner, long balance, int events) {
    static final Account NONE = new Account(null, 0, 0);
  }

  /** The decider; its evolve is also what the raw baseline folds with, so both do the same work. */
  static final class AccountDecider implements Decider<Command, Account, Event> {
    @Override
    public Account initialState() {
      return Account.NONE;
    }

    @Override
    public List<Event> decide(Command command, Account state) {
      if (command instanceof Open o) {
        return List.of(new Opened(o.owner()));
      }
      Deposit d = (Deposit) command;
      return List.of(new Deposited(d.amount(), d.reference()));
    }

    @Override
    public Account evolve(Account state, Event event) {
      if (event instanceof Opened o) {
        return new Account(o.owner(), 0, state.events() + 1);
      }
      Deposited d = (Deposited) event;
      return new Account(state.owner(), state.balance() + d.amount(), state.events() + 1);
    }
  }

  static final AccountDecider DECIDER = new AccountDecider();

  static JacksonEventSerializer serializer() {
    return JacksonEventSerializer.create(EventTypeRegistry.builder().registerSealed(Event.class).build());
  }

  /** The payload of the n-th deposit, as both sides of the append cases write it (about 50 bytes). */
  static String depositJson(long n) {
    return String.format(Locale.ROOT, "{\"amount\":%d,\"reference\":\"ref-%08d\"}", 100 + n % 900, n);
  }
}
