package dev.cairn.projections;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.EventEnvelope;
import dev.cairn.api.EventSerializer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;

/**
 * Writes a projection in a few lines:
 *
 * <pre>{@code
 * Projection balances = Projections.builder("balances", 1)
 *     .table("CREATE TABLE {table} (account text PRIMARY KEY, balance bigint NOT NULL)")
 *     .on(Deposited.class, (e, h, m) -> h.createUpdate(
 *             "INSERT INTO " + m.table() + " VALUES (:id, :amount)"
 *                 + " ON CONFLICT (account) DO UPDATE SET balance = " + m.table() + ".balance + :amount")
 *         .bind("id", e.streamId()).bind("amount", e.event().amount()).execute())
 *     .build();
 * }</pre>
 *
 * <p>{@link Builder#onBatch} takes a handler that gets runs of consecutive events of a class at
 * once, for multi-row writes; the projection is then a {@link BatchProjection}.
 */
public final class Projections {

  private Projections() {}

  /**
   * Applies one type of event.
   *
   * @param <E> the event's class
   */
  @FunctionalInterface
  public interface Handler<E> {
    /**
     * Applies the event.
     *
     * @param envelope the event
     * @param handle the runner's transaction
     * @param model names the version's tables
     */
    void apply(EventEnvelope<E> envelope, Handle handle, ReadModel model);
  }

  /**
   * Applies a run of consecutive events of one type at once (see {@link Builder#onBatch}).
   *
   * @param <E> the events' class
   */
  @FunctionalInterface
  public interface BatchHandler<E> {
    /**
     * Applies the events, in order.
     *
     * @param envelopes the events, never empty
     * @param handle the runner's transaction
     * @param model names the version's tables
     */
    void apply(List<EventEnvelope<E>> envelopes, Handle handle, ReadModel model);
  }

  /**
   * Starts a projection.
   *
   * @param name the name, an SQL identifier
   * @param version the version, from 1
   * @return a builder
   */
  public static Builder builder(String name, int version) {
    ProjectionSpec.of(name, version); // checks both now
    return new Builder(name, version);
  }

  /** Builds a projection from DDL and per-class handlers. */
  public static final class Builder {
    private final String name;
    private final int version;
    private final Set<String> types = new LinkedHashSet<>();
    private final Map<String, String> ddl = new LinkedHashMap<>();
    private final List<String> statements = new ArrayList<>();
    private final Map<Class<?>, Handler<?>> handlers = new LinkedHashMap<>();

    private Builder(String name, int version) {
      this.name = name;
      this.version = version;
    }

    /**
     * Adds the main table's DDL; {@code {table}} stands for its qualified name.
     *
     * @param sql e.g. {@code CREATE TABLE {table} (...)}
     * @return this builder
     * @throws IllegalStateException if the main table was already given
     */
    public Builder table(String sql) {
      return table("", sql);
    }

    /**
     * Adds a further table's DDL; {@code {table}} stands for its qualified name.
     *
     * @param part the table's part name (an identifier)
     * @param sql its DDL
     * @return this builder
     * @throws IllegalStateException if that table was already given
     */
    public Builder table(String part, String sql) {
      requireNonNull(part, "part");
      requireNonNull(sql, "sql");
      if (ddl.putIfAbsent(part, sql) != null) {
        throw new IllegalStateException("table '" + part + "' of " + name + " was already set");
      }
      return this;
    }

    /**
     * Adds a statement run after the tables are created (an index, say); {@code {table}} and
     * {@code {table:part}} stand for table names.
     *
     * @param sql the statement
     * @return this builder
     */
    public Builder setup(String sql) {
      statements.add(requireNonNull(sql, "sql"));
      return this;
    }

    /**
     * Limits the projection to these logical event types; other events are never read. Without
     * it, a runner derives the types from the handlers' classes through its serializer (see
     * {@link EventSerializer#eventTypesOf}): a handler of a sealed interface covers its
     * registered records.
     *
     * @param eventTypes the types
     * @return this builder
     */
    public Builder handles(String... eventTypes) {
      types.addAll(List.of(eventTypes));
      return this;
    }

    /**
     * Handles events of a class (and its subclasses); others are ignored.
     *
     * @param type the class
     * @param handler what to do
     * @param <E> the class
     * @return this builder
     * @throws IllegalStateException if the class already has a handler
     */
    public <E> Builder on(Class<E> type, Handler<? super E> handler) {
      requireNonNull(type, "type");
      requireNonNull(handler, "handler");
      if (handlers.putIfAbsent(type, handler) != null) {
        throw new IllegalStateException(type.getName() + " already has a handler in " + name);
      }
      return this;
    }

    /**
     * Handles events of a class (and its subclasses) a run at a time: the handler gets each run of
     * consecutive events of the class in a batch, in order, so the order across classes stays that
     * of the events. A projection with such a handler is a {@link BatchProjection}; if a run fails,
     * the runner applies the batch's events one by one again, the handler getting a list of one.
     * Several events of a run may be for the same row: fold them per key before a multi-row upsert.
     *
     * @param type the class
     * @param handler what to do with a run
     * @param <E> the class
     * @return this builder
     * @throws IllegalStateException if the class already has a handler
     */
    public <E> Builder onBatch(Class<E> type, BatchHandler<E> handler) {
      requireNonNull(type, "type");
      return onBatch(handler, List.of(type));
    }

    /**
     * Handles events of several classes with one handler, a run at a time: a run is each stretch
     * of consecutive events of any of these classes, so a handler that folds several event types
     * per key (an order placed, then paid) sees them together. Otherwise as {@link
     * #onBatch(Class, BatchHandler)}.
     *
     * @param handler what to do with a run; it gets events of any of the classes
     * @param types the classes, at least one
     * @param <E> a common supertype of the classes
     * @return this builder
     * @throws IllegalArgumentException if no class is given
     * @throws IllegalStateException if a class already has a handler
     */
    public <E> Builder onBatch(BatchHandler<E> handler, List<Class<? extends E>> types) {
      requireNonNull(handler, "handler");
      requireNonNull(types, "types");
      if (types.isEmpty()) {
        throw new IllegalArgumentException("a batch handler of " + name + " needs at least one class");
      }
      for (Class<? extends E> type : types) {
        requireNonNull(type, "type");
        if (handlers.containsKey(type)) {
          throw new IllegalStateException(type.getName() + " already has a handler in " + name);
        }
      }
      // One handler object for all the classes: a run is a stretch of events with the same one.
      RunHandler<E> run = new RunHandler<>(handler);
      for (Class<? extends E> type : types) {
        handlers.put(type, run);
      }
      return this;
    }

    /**
     * Builds the projection.
     *
     * @return the projection
     * @throws IllegalStateException if it has no table or no handler
     */
    public Projection build() {
      if (ddl.isEmpty() || handlers.isEmpty()) {
        throw new IllegalStateException("projection " + name + " needs at least one table and one handler");
      }
      ProjectionSpec spec = new ProjectionSpec(name, version, types);
      Map<Class<?>, Handler<?>> byClass = new LinkedHashMap<>(handlers);
      if (handlers.values().stream().anyMatch(RunHandler.class::isInstance)) {
        return new BuiltBatch(spec, Map.copyOf(ddl), List.copyOf(statements), byClass);
      }
      return new Built(spec, Map.copyOf(ddl), List.copyOf(statements), byClass);
    }
  }

  /**
   * Returns the logical event types a runner of the projection must read: those its spec names;
   * else, for a projection of {@link Builder}, those its handlers' classes are registered under;
   * else (a serializer that cannot tell, or a projection of its own) every type.
   *
   * @throws ProjectionException if a handler's class has no registered event type below it (the
   *     handler could never run)
   */
  static Predicate<String> handledTypes(Projection projection, EventSerializer serializer) {
    ProjectionSpec spec = projection.spec();
    if (!spec.eventTypes().isEmpty() || !(projection instanceof Built built)) {
      return spec::handles;
    }
    Set<String> types = new HashSet<>();
    for (Class<?> type : built.handlers.keySet()) {
      Optional<Set<String>> names = serializer.eventTypesOf(type);
      if (names.isEmpty()) {
        return spec::handles;
      }
      if (names.get().isEmpty()) {
        throw ProjectionException.of(
            "projection " + spec + " has a handler of " + type.getName() + " but no event type is registered for it"
                + " or a subtype: register it with the serializer, or name the types with handles(...)");
      }
      types.addAll(names.get());
    }
    return Set.copyOf(types)::contains;
  }

  /** A batch handler in the map of handlers; applied alone, it gets a run of one. */
  private record RunHandler<E>(BatchHandler<E> batch) implements Handler<E> {
    @Override
    public void apply(EventEnvelope<E> envelope, Handle handle, ReadModel model) {
      batch.apply(List.of(envelope), handle, model);
    }
  }

  /** A built projection with at least one batch handler: runs of a batch handler's class go at once. */
  private static final class BuiltBatch extends Built implements BatchProjection {
    BuiltBatch(ProjectionSpec spec, Map<String, String> ddl, List<String> statements, Map<Class<?>, Handler<?>> handlers) {
      super(spec, ddl, statements, handlers);
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void applyBatch(List<EventEnvelope<?>> events, Handle handle, ReadModel model) {
      int i = 0;
      while (i < events.size()) {
        EventEnvelope<?> first = events.get(i);
        Handler<?> handler = handlerOf(first.event());
        if (!(handler instanceof RunHandler<?> run)) {
          if (handler != null) {
            ((Handler) handler).apply(first, handle, model);
          }
          i++;
          continue;
        }
        int end = i + 1;
        while (end < events.size() && handlerOf(events.get(end).event()) == handler) {
          end++;
        }
        ((BatchHandler) run.batch()).apply(events.subList(i, end), handle, model);
        i = end;
      }
    }
  }

  private static class Built implements Projection {
    private final ProjectionSpec spec;
    private final Map<String, String> ddl;
    private final List<String> statements;
    private final Map<Class<?>, Handler<?>> handlers;

    Built(ProjectionSpec spec, Map<String, String> ddl, List<String> statements, Map<Class<?>, Handler<?>> handlers) {
      this.spec = spec;
      this.ddl = ddl;
      this.statements = statements;
      this.handlers = handlers;
    }

    @Override
    public ProjectionSpec spec() {
      return spec;
    }

    @Override
    public void setup(Handle handle, ReadModel model) {
      for (Map.Entry<String, String> e : ddl.entrySet()) {
        handle.execute(e.getValue().replace("{table}", model.table(e.getKey())));
      }
      for (String sql : statements) {
        String s = sql.replace("{table}", model.table());
        for (String part : ddl.keySet()) {
          if (!part.isEmpty()) {
            s = s.replace("{table:" + part + "}", model.table(part));
          }
        }
        handle.execute(s);
      }
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void apply(EventEnvelope<?> envelope, Handle handle, ReadModel model) {
      Handler<?> handler = handlerOf(envelope.event());
      if (handler != null) {
        ((Handler) handler).apply(envelope, handle, model);
      }
    }

    /** The first handler whose class the event is an instance of, or null. */
    final @Nullable Handler<?> handlerOf(Object event) {
      for (Map.Entry<Class<?>, Handler<?>> e : handlers.entrySet()) {
        if (e.getKey().isInstance(event)) {
          return e.getValue();
        }
      }
      return null;
    }

    @Override
    public String toString() {
      return "projection " + spec;
    }
  }
}
