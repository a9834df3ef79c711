package dev.cairn.workflows.internal;

import dev.cairn.api.EventEnvelope;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.RecordedEvent;
import dev.cairn.api.SerializedEvent;
import dev.cairn.projections.Projection;
import dev.cairn.projections.ProjectionSpec;
import dev.cairn.projections.ReadModel;
import dev.cairn.workflows.Action;
import dev.cairn.workflows.Input;
import dev.cairn.workflows.ProcessManager;
import dev.cairn.workflows.ProcessRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * A process manager as a projection, so that the projection runners' checkpointing, batching,
 * retries and dead letters serve it unchanged. It sees two kinds of event:
 *
 * <ul>
 *   <li>an event the process follows: it is recorded in the process instance's own stream (an
 *       idempotent append), and nothing else happens yet;
 *   <li>a {@link ProcessRecord} of this workflow's stream type: the instance's next input. Its
 *       state is read from this projection's state table, evolved, and the reaction's actions run:
 *       commands are sent through their repositories with idempotency keys, deadlines are
 *       scheduled and cancelled in the runner's transaction, refusals are recorded in the
 *       instance's stream as further inputs; the new state and a history row are written in the
 *       runner's transaction, which also moves the checkpoint.
 * </ul>
 *
 * <p>A failure that is not a refusal propagates: the runner retries the event with backoff and
 * parks it by its failure policy, and the instance's later inputs wait behind it.
 *
 * @param <S> the process state
 */
public final class ProcessProjection<S> implements Projection {

  private final String name;
  private final ProjectionSpec spec;
  private final ProcessManager<S> manager;
  private final Class<S> stateType;
  private final EventSerializer serializer;
  private final ProcessLog log;
  private final Dispatcher dispatcher;
  private final Deadlines deadlines;
  private final Runnable deadlineScheduled;

  /**
   * Creates the projection.
   *
   * @param spec the projection's spec (its name is the workflow's)
   * @param manager the process manager
   * @param stateType the state's class, to store it
   * @param serializer the runner's serializer
   * @param log the process streams
   * @param dispatcher sends commands
   * @param deadlines the deadline rows
   * @param deadlineScheduled called after a deadline was scheduled (wakes a local scheduler)
   */
  public ProcessProjection(
      ProjectionSpec spec,
      ProcessManager<S> manager,
      Class<S> stateType,
      EventSerializer serializer,
      ProcessLog log,
      Dispatcher dispatcher,
      Deadlines deadlines,
      Runnable deadlineScheduled) {
    this.name = spec.name();
    this.spec = spec;
    this.manager = manager;
    this.stateType = stateType;
    this.serializer = serializer;
    this.log = log;
    this.dispatcher = dispatcher;
    this.deadlines = deadlines;
    this.deadlineScheduled = deadlineScheduled;
  }

  @Override
  public ProjectionSpec spec() {
    return spec;
  }

  @Override
  public void setup(Handle h, ReadModel model) {
    h.execute(
        "CREATE TABLE " + model.table() + " (process_id text PRIMARY KEY, state jsonb NOT NULL, seq bigint NOT NULL,"
            + " updated_at timestamptz NOT NULL DEFAULT now())");
    h.execute(
        "CREATE TABLE " + model.table("history") + " (process_id text NOT NULL, seq bigint NOT NULL, input text NOT NULL,"
            + " detail text NOT NULL, actions text[] NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (process_id, seq))");
  }

  @Override
  public void apply(EventEnvelope<?> envelope, Handle h, ReadModel model) {
    if (envelope.event() instanceof ProcessRecord record) {
      if (envelope.streamType().equals(name)) {
        handle(record, envelope, h, model);
      }
      return;
    }
    Optional<String> processId = manager.processId(envelope);
    if (processId.isPresent()) {
      SerializedEvent s = serializer.serialize(envelope.event());
      log.record(
          new ProcessRecord.Received(
              processId.get(), envelope.eventId(), envelope.streamType(), envelope.streamId(), envelope.version(),
              s.eventType(), s.revision(), s.json(), envelope.recordedAt()),
          envelope.eventId(),
          envelope.metadata());
    }
  }

  private record StateRow(String json, long seq) {}

  private record Trigger(Input input, UUID id) {}

  private void handle(ProcessRecord record, EventEnvelope<?> envelope, Handle h, ReadModel model) {
    String processId = record.processId();
    Optional<StateRow> row =
        h.createQuery("SELECT state::text, seq FROM " + model.table() + " WHERE process_id = :p")
            .bind("p", processId)
            .map((rs, ctx) -> new StateRow(rs.getString(1), rs.getLong(2)))
            .findOne();
    if (row.isPresent() && row.get().seq() >= envelope.version()) {
      return; // handled before (a replay over a kept state table)
    }
    S state = row.isPresent() ? serializer.readState(row.get().json(), stateType) : manager.initialState();
    Trigger trigger = input(record, envelope);
    List<String> done = new ArrayList<>();
    String detail = detail(record);
    if (record instanceof ProcessRecord.Fired fired && !deadlines.takeForHandling(h, fired.deadlineId())) {
      detail = "ignored: cancelled before its turn";
    } else {
      S next = manager.evolve(state, trigger.input());
      List<Action> actions = manager.react(next, trigger.input());
      for (int i = 0; i < actions.size(); i++) {
        done.add(run(processId, trigger.id(), i, actions.get(i), envelope.metadata(), h));
      }
      state = next;
    }
    h.createUpdate(
            "INSERT INTO " + model.table() + " (process_id, state, seq) VALUES (:p, CAST(:s AS jsonb), :seq)"
                + " ON CONFLICT (process_id) DO UPDATE SET state = excluded.state, seq = excluded.seq, updated_at = now()")
        .bind("p", processId)
        .bind("s", serializer.writeState(state))
        .bind("seq", envelope.version())
        .execute();
    h.createUpdate(
            "INSERT INTO " + model.table("history") + " (process_id, seq, input, detail, actions, at)"
                + " VALUES (:p, :seq, :input, :detail, :actions, :at)")
        .bind("p", processId)
        .bind("seq", envelope.version())
        .bind("input", kind(record, trigger.input()))
        .bind("detail", detail)
        .bind("actions", done.toArray(new String[0]))
        .bind("at", java.sql.Timestamp.from(envelope.recordedAt()))
        .execute();
  }

  private Trigger input(ProcessRecord record, EventEnvelope<?> envelope) {
    if (record instanceof ProcessRecord.Received r) {
      Object event =
          serializer.deserialize(
              new RecordedEvent(
                  r.eventId(), r.streamId(), r.streamType(), r.version(), envelope.position(), r.recordedAt(),
                  r.eventType(), r.schemaRevision(), r.payload(), envelope.metadata()));
      return new Trigger(new Input.Received(r.streamType(), r.streamId(), event, envelope.recordedAt()), r.eventId());
    }
    if (record instanceof ProcessRecord.Fired f) {
      return new Trigger(new Input.DeadlineFired(f.name(), f.payload(), f.due(), envelope.recordedAt()), f.deadlineId());
    }
    ProcessRecord.Refused x = (ProcessRecord.Refused) record;
    return new Trigger(
        new Input.CommandRefused(x.streamType(), x.streamId(), x.command(), x.reason(), envelope.recordedAt()),
        x.refusalId());
  }

  private String run(String processId, UUID inputId, int index, Action action, EventMetadata metadata, Handle h) {
    if (action instanceof Action.Send send) {
      String what = send.command().getClass().getSimpleName() + " -> " + send.streamType() + "/" + send.streamId();
      Dispatcher.Outcome outcome = dispatcher.send(processId, inputId, index, send, metadata);
      if (outcome instanceof Dispatcher.Refused refused) {
        UUID refusalId = Dispatcher.actionId(processId, inputId, index);
        log.record(
            new ProcessRecord.Refused(
                processId, refusalId, send.streamType(), send.streamId(), send.command().getClass().getSimpleName(),
                refused.reason()),
            refusalId,
            metadata);
        return what + ": refused: " + refused.reason();
      }
      return what + (((Dispatcher.Done) outcome).duplicate() ? ": done before" : ": done");
    }
    if (action instanceof Action.Schedule s) {
      deadlines.schedule(h, Dispatcher.actionId(processId, inputId, index), processId, s.name(), s.payload(), s.due(), metadata);
      deadlineScheduled.run();
      return "deadline " + s.name() + " at " + s.due();
    }
    Action.Cancel c = (Action.Cancel) action;
    int n = deadlines.cancel(h, processId, c.name());
    return "cancel deadline " + c.name() + (n == 0 ? ": none pending" : "");
  }

  private static String kind(ProcessRecord record, Input input) {
    if (record instanceof ProcessRecord.Received r) {
      return r.eventType();
    }
    if (record instanceof ProcessRecord.Fired f) {
      return "deadline:" + f.name();
    }
    return "refused:" + ((Input.CommandRefused) input).command();
  }

  private static String detail(ProcessRecord record) {
    if (record instanceof ProcessRecord.Received r) {
      return r.streamType() + "/" + r.streamId() + " v" + r.version();
    }
    if (record instanceof ProcessRecord.Fired f) {
      return "due " + f.due();
    }
    ProcessRecord.Refused x = (ProcessRecord.Refused) record;
    return x.streamType() + "/" + x.streamId() + ": " + x.reason();
  }
}
