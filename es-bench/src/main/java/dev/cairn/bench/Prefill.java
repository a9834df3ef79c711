package dev.cairn.bench;

import dev.cairn.api.AppendRequest;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.api.NewEvent;
import dev.cairn.api.RecordedEvent;
import dev.cairn.api.SerializedEvent;
import dev.cairn.store.jdbc.JdbcEventStore;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Fills a store with the events that the relay and rebuild cases read back: accounts of one
 * {@code Opened} and 99 {@code Deposited} events each, one account per append, written once before
 * a case's first repetition.
 */
final class Prefill {

  /** Events per account, and per append. */
  static final int PER_ACCOUNT = 100;

  private Prefill() {}

  /**
   * Appends {@code events} events (rounded up to whole accounts) and returns every event of the
   * store in its global order.
   *
   * @throws IllegalStateException if the store holds other events than those appended
   */
  static List<RecordedEvent> accounts(JdbcEventStore store, int events) {
    JacksonEventSerializer serializer = Accounts.serializer();
    int accounts = (events + PER_ACCOUNT - 1) / PER_ACCOUNT;
    for (int a = 0; a < accounts; a++) {
      List<NewEvent> batch = new ArrayList<>(PER_ACCOUNT);
      for (int n = 1; n <= PER_ACCOUNT; n++) {
        Object e = n == 1 ? new Accounts.Opened("owner-" + a) : new Accounts.Deposited(100 + n % 900, "ref-" + n);
        SerializedEvent s = serializer.serialize(e);
        batch.add(new NewEvent(UUID.randomUUID(), s.eventType(), s.revision(), s.json(), EventMetadata.EMPTY));
      }
      store.append(new AppendRequest("acct-" + a, Accounts.STREAM_TYPE, 0, batch));
    }
    store.jdbi().useHandle(h -> h.execute("ANALYZE"));
    List<RecordedEvent> all = readAll(store);
    if (all.size() != accounts * PER_ACCOUNT) {
      throw new IllegalStateException(
          "the store holds " + all.size() + " events after appending " + accounts * PER_ACCOUNT);
    }
    return all;
  }

  /** Reads the store's whole global order. */
  static List<RecordedEvent> readAll(JdbcEventStore store) {
    List<RecordedEvent> all = new ArrayList<>();
    GlobalPosition at = GlobalPosition.START;
    while (true) {
      List<RecordedEvent> page = store.readGlobal(at, 5000);
      if (page.isEmpty()) {
        return all;
      }
      all.addAll(page);
      at = page.get(page.size() - 1).position();
    }
  }
}
