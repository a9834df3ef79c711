package dev.cairn.workflows;

import dev.cairn.api.AggregateRepository;
import dev.cairn.api.CommandOptions;
import dev.cairn.api.CommandRejectedException;
import dev.cairn.api.CommandResult;
import dev.cairn.api.Decider;
import dev.cairn.api.EventEnvelope;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.JacksonEventSerializer;
import dev.cairn.api.Loaded;
import dev.cairn.projections.ProjectionManager;
import dev.cairn.store.jdbc.JdbcAggregateRepository;
import dev.cairn.store.jdbc.JdbcEventStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.sql.DataSource;

/**
 * A small domain for the workflow tests: a request for stock, a stock per sku, and the process
 * that reserves stock for a request, completes it, or rejects it when the stock is short or the
 * reservation does not come in time (then releasing whatever came late).
 */
final class Fulfil {

  private Fulfil() {}

  // ---- the request aggregate (stream type "request")
  sealed interface RequestCommand permits Open, Complete, Reject {}

  record Open(String sku, int quantity) implements RequestCommand {}

  record Complete() implements RequestCommand {}

  record Reject(String reason) implements RequestCommand {}

  sealed interface RequestEvent permits Opened, Completed, Rejected {}

  record Opened(String sku, int quantity) implements RequestEvent {}

  record Completed() implements RequestEvent {}

  record Rejected(String reason) implements RequestEvent {}

  record Request(String status) {}

  static final class RequestDecider implements Decider<RequestCommand, Request, RequestEvent> {
    @Override
    public Request initialState() {
      return new Request("NONE");
    }

    @Override
    public List<RequestEvent> decide(RequestCommand c, Request s) {
      if (c instanceof Open o) {
        return List.of(new Opened(o.sku(), o.quantity()));
      }
      if (!s.status().equals("OPEN")) {
        throw new CommandRejectedException("request is " + s.status() + ": " + c + " refused");
      }
      return List.of(c instanceof Complete ? new Completed() : new Rejected(((Reject) c).reason()));
    }

    @Override
    public Request evolve(Request s, RequestEvent e) {
      return new Request(e instanceof Opened ? "OPEN" : e instanceof Completed ? "COMPLETED" : "REJECTED");
    }
  }

  // ---- the stock aggregate (stream type "stock", stream id = sku)
  sealed interface StockCommand permits Add, Reserve, Release {}

  record Add(int quantity) implements StockCommand {}

  record Reserve(String requestId, int quantity) implements StockCommand {}

  record Release(String requestId) implements StockCommand {}

  sealed interface StockEvent permits Added, Reserved, Released {}

  record Added(int quantity) implements StockEvent {}

  record Reserved(String requestId, int quantity) implements StockEvent {}

  record Released(String requestId, int quantity) implements StockEvent {}

  record Stock(int available, java.util.Map<String, Integer> reserved) {}

  static final class StockDecider implements Decider<StockCommand, Stock, StockEvent> {
    @Override
    public Stock initialState() {
      return new Stock(0, java.util.Map.of());
    }

    @Override
    public List<StockEvent> decide(StockCommand c, Stock s) {
      if (c instanceof Add a) {
        return List.of(new Added(a.quantity()));
      }
      if (c instanceof Reserve r) {
        if (s.reserved().containsKey(r.requestId())) {
          return List.of();
        }
        if (s.available() < r.quantity()) {
          throw new CommandRejectedException(
              "only " + s.available() + " available, " + r.quantity() + " asked for " + r.requestId());
        }
        return List.of(new Reserved(r.requestId(), r.quantity()));
      }
      Release rel = (Release) c;
      Integer q = s.reserved().get(rel.requestId());
      return q == null ? List.of() : List.of(new Released(rel.requestId(), q));
    }

    @Override
    public Stock evolve(Stock s, StockEvent e) {
      var reserved = new java.util.HashMap<>(s.reserved());
      if (e instanceof Added a) {
        return new Stock(s.available() + a.quantity(), reserved);
      }
      if (e instanceof Reserved r) {
        reserved.put(r.requestId(), r.quantity());
        return new Stock(s.available() - r.quantity(), reserved);
      }
      Released rel = (Released) e;
      reserved.remove(rel.requestId());
      return new Stock(s.available() + rel.quantity(), reserved);
    }
  }

  // ---- the process
  enum Phase { NEW, WAITING, RESERVED, REJECTED, EXPIRED }

  record Progress(Phase phase, String requestId, String sku, int quantity) {}

  /** The process; the reservation must come within {@code timeout} of the request's opening. */
  static final class FulfilProcess implements ProcessManager<Progress> {
    private final java.util.function.Function<String, Duration> timeout;

    FulfilProcess(java.util.function.Function<String, Duration> timeoutBySku) {
      this.timeout = timeoutBySku;
    }

    @Override
    public Optional<String> processId(EventEnvelope<?> e) {
      if (e.event() instanceof Opened) {
        return Optional.of(e.streamId());
      }
      if (e.event() instanceof Reserved r) {
        return Optional.of(r.requestId());
      }
      return Optional.empty();
    }

    @Override
    public Progress initialState() {
      return new Progress(Phase.NEW, null, null, 0);
    }

    @Override
    public Progress evolve(Progress s, Input input) {
      if (input instanceof Input.Received r && r.event() instanceof Opened o) {
        return new Progress(Phase.WAITING, r.streamId(), o.sku(), o.quantity());
      }
      if (s.phase() != Phase.WAITING) {
        return s;
      }
      if (input instanceof Input.Received) {
        return new Progress(Phase.RESERVED, s.requestId(), s.sku(), s.quantity());
      }
      if (input instanceof Input.CommandRefused) {
        return new Progress(Phase.REJECTED, s.requestId(), s.sku(), s.quantity());
      }
      return new Progress(Phase.EXPIRED, s.requestId(), s.sku(), s.quantity());
    }

    @Override
    public List<Action> react(Progress s, Input input) {
      String id;
      List<Action> actions = new ArrayList<>();
      if (input instanceof Input.Received r && r.event() instanceof Opened o) {
        id = r.streamId();
        actions.add(Action.send("stock", o.sku(), new Reserve(id, o.quantity())));
        actions.add(Action.schedule("expire", input.at().plus(timeout.apply(o.sku())), id));
        return actions;
      }
      if (input instanceof Input.Received r && r.event() instanceof Reserved res) {
        if (s.phase() == Phase.RESERVED) {
          return List.of(Action.cancel("expire"), Action.send("request", res.requestId(), new Complete()));
        }
        // Reserved after the process gave up: compensate the late success.
        return List.of(Action.send("stock", s.sku(), new Release(res.requestId())));
      }
      if (input instanceof Input.CommandRefused refused && s.phase() == Phase.REJECTED) {
        return List.of(
            Action.cancel("expire"), Action.send("request", s.requestId(), new Reject("no stock: " + refused.reason())));
      }
      if (input instanceof Input.DeadlineFired fired && s.phase() == Phase.EXPIRED) {
        return List.of(
            Action.send("stock", s.sku(), new Release(fired.payload())),
            Action.send("request", fired.payload(), new Reject("expired")));
      }
      return List.of();
    }
  }

  /** A repository in front of another that can fail, vanish commands or crash after dispatching. */
  static final class Gate<C, S, E> implements AggregateRepository<C, S, E> {
    final AggregateRepository<C, S, E> real;
    volatile Predicate<String> swallow = id -> false;
    volatile Predicate<String> broken = id -> false;
    final AtomicInteger crashesAfterDispatch = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();

    Gate(AggregateRepository<C, S, E> real) {
      this.real = real;
    }

    @Override
    public CommandResult<E> handle(String streamId, C command, CommandOptions options) {
      calls.incrementAndGet();
      if (broken.test(streamId)) {
        throw new IllegalStateException("service of " + streamId + " is down");
      }
      if (swallow.test(streamId)) {
        return new CommandResult<>(streamId, 0, List.of(), false);
      }
      CommandResult<E> result = real.handle(streamId, command, options);
      if (crashesAfterDispatch.getAndDecrement() > 0) {
        throw new IllegalStateException("crash after dispatching " + command + " to " + streamId);
      }
      return result;
    }

    @Override
    public Loaded<S> load(String streamId) {
      return real.load(streamId);
    }

    @Override
    public Loaded<S> loadAt(String streamId, long version) {
      return real.loadAt(streamId, version);
    }

    @Override
    public Loaded<S> loadAsOf(String streamId, Instant instant) {
      return real.loadAsOf(streamId, instant);
    }

    @Override
    public List<EventEnvelope<E>> history(String streamId) {
      return real.history(streamId);
    }
  }

  static final EventSerializer SERIALIZER =
      JacksonEventSerializer.create(
          ProcessRecord.register(
                  EventTypeRegistry.builder().registerSealed(RequestEvent.class).registerSealed(StockEvent.class))
              .build());

  private static final AtomicInteger SCHEMAS = new AtomicInteger();

  /** A store, projections and repositories in a schema of their own. */
  static final class World {
    final JdbcEventStore store;
    final ProjectionManager projections;
    final JdbcAggregateRepository<RequestCommand, Request, RequestEvent> requests;
    final JdbcAggregateRepository<StockCommand, Stock, StockEvent> stock;
    final Gate<StockCommand, Stock, StockEvent> stockGate;
    final Gate<RequestCommand, Request, RequestEvent> requestGate;

    World(DataSource ds) {
      store =
          JdbcEventStore.builder(ds).schema("w" + SCHEMAS.incrementAndGet()).meterRegistry(new SimpleMeterRegistry()).build();
      store.migrate();
      projections = ProjectionManager.create(store, SERIALIZER);
      projections.migrate();
      requests = store.repository("request", new RequestDecider()).serializer(SERIALIZER).build();
      stock = store.repository("stock", new StockDecider()).serializer(SERIALIZER).build();
      stockGate = new Gate<>(stock);
      requestGate = new Gate<>(requests);
    }

    Workflow.Builder<Progress> workflow(Duration timeout) {
      return workflow(sku -> timeout);
    }

    Workflow.Builder<Progress> workflow(java.util.function.Function<String, Duration> timeoutBySku) {
      return workflow(new FulfilProcess(timeoutBySku));
    }

    Workflow.Builder<Progress> workflow(ProcessManager<Progress> process) {
      return Workflow.builder("fulfil", process, Progress.class)
          .store(store)
          .projections(projections)
          .serializer(SERIALIZER)
          .follow(RequestEvent.class, StockEvent.class)
          .target("stock", stockGate)
          .target("request", requestGate)
          .deadlinePoll(Duration.ofMillis(200));
    }

    /** The events of a stream, as records. */
    List<Object> events(String streamId) {
      return store.readStream(streamId, 0, 10_000).stream().map(SERIALIZER::deserialize).toList();
    }
  }
}
