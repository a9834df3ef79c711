package dev.cairn.store.jdbc;

import dev.cairn.api.CommandRejectedException;
import dev.cairn.api.Decider;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.JacksonEventSerializer;
import java.util.List;

/** A small account domain for the store's tests. */
final class Accounts {

  private Accounts() {}

  sealed interface Command permits Open, Deposit, Withdraw, Touch {}

  record Open(String owner) implements Command {}

  record Deposit(long amount) implements Command {}

  record Withdraw(long amount) implements Command {}

  /** Decides nothing: for commands that change nothing. */
  record Touch() implements Command {}

  sealed interface Event permits Opened, Deposited, Withdrawn {}

  record Opened(String owner) implements Event {}

  record Deposited(long amount) implements Event {}

  record Withdrawn(long amount) implements Event {}

  record Account(String owner, long balance, int events) {
    static final Account NONE = new Account(null, 0, 0);
  }

  static final class AccountDecider implements Decider<Command, Account, Event> {
    @Override
    public Account initialState() {
      return Account.NONE;
    }

    @Override
    public List<Event> decide(Command c, Account s) {
      if (c instanceof Open o) {
        if (s.owner() != null) {
          throw new CommandRejectedException("account is already open");
        }
        return List.of(new Opened(o.owner()));
      }
      if (s.owner() == null) {
        throw new CommandRejectedException("account is not open");
      }
      if (c instanceof Deposit d) {
        return List.of(new Deposited(d.amount()));
      }
      if (c instanceof Withdraw w) {
        if (w.amount() > s.balance()) {
          throw new CommandRejectedException("balance " + s.balance() + " is below " + w.amount());
        }
        return List.of(new Withdrawn(w.amount()));
      }
      return List.of();
    }

    @Override
    public Account evolve(Account s, Event e) {
      if (e instanceof Opened o) {
        return new Account(o.owner(), 0, s.events() + 1);
      }
      if (e instanceof Deposited d) {
        return new Account(s.owner(), s.balance() + d.amount(), s.events() + 1);
      }
      Withdrawn w = (Withdrawn) e;
      return new Account(s.owner(), s.balance() - w.amount(), s.events() + 1);
    }
  }

  static JacksonEventSerializer serializer() {
    return JacksonEventSerializer.create(EventTypeRegistry.builder().registerSealed(Event.class).build());
  }
}
