package dev.cairn.spring;

import dev.cairn.api.Decider;
import dev.cairn.projections.Projection;
import dev.cairn.projections.Projections;
import java.util.List;

/** A tiny aggregate for the starter's tests: a tally that commands add to. */
final class TallyDomain {

  private TallyDomain() {}

  sealed interface TallyEvent permits Added {}

  record Added(long amount) implements TallyEvent {}

  record Add(long amount) {}

  record Tally(long total) {}

  /** An event interface that is not sealed: a mistake the starter reports at startup. */
  interface OpenEvent {}

  static final class TallyDecider implements Decider<Add, Tally, TallyEvent> {
    @Override
    public Tally initialState() {
      return new Tally(0);
    }

    @Override
    public List<TallyEvent> decide(Add command, Tally state) {
      if (command.amount() <= 0) {
        throw new IllegalArgumentException("amount must be > 0 but was " + command.amount());
      }
      return List.of(new Added(command.amount()));
    }

    @Override
    public Tally evolve(Tally state, TallyEvent event) {
      Added added = (Added) event; // the only event type
      return new Tally(state.total() + added.amount());
    }
  }

  static CairnAggregate<Add, Tally, TallyEvent> aggregate() {
    return CairnAggregate.of("tally", new TallyDecider(), TallyEvent.class, Tally.class);
  }

  /** The read model: one row per tally with its total. */
  static Projection totals() {
    return Projections.builder("tally_totals", 1)
        .table("CREATE TABLE {table} (tally_id text PRIMARY KEY, total bigint NOT NULL)")
        .on(Added.class, (e, h, m) -> h.createUpdate("INSERT INTO " + m.table() + " VALUES (:id, :n)"
                + " ON CONFLICT (tally_id) DO UPDATE SET total = " + m.table() + ".total + :n")
            .bind("id", e.streamId()).bind("n", e.event().amount()).execute())
        .build();
  }
}
