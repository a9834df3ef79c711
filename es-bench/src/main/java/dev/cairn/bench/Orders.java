package dev.cairn.bench;

import dev.cairn.api.Decider;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.JacksonEventSerializer;
import java.util.ArrayList;
import java.util.List;

/**
 * The staleness case's domain: orders placed with lines, as the sample's clients place them. One
 * command appends an {@code OrderPlaced} and one {@code LineAdded} per line, in one append, so the
 * read model does several statements of work per command.
 */
final class Orders {

  /** The stream type of every order. */
  static final String STREAM_TYPE = "order";

  private Orders() {}

  /** Places an order; {@code tag} identifies the command to the benchmark's watcher. */
  record PlaceOrder(String customerId, long tag, List<Line> lines) {}

  record Line(String sku, int quantity, long unitPriceCents) {}

  sealed interface Event permits OrderPlaced, LineAdded {}

  record OrderPlaced(String customerId, long tag) implements Event {}

  record LineAdded(String sku, int quantity, long unitPriceCents) implements Event {}

  /** The state: placed or not, and how many lines. */
  record Order(boolean placed, int lines) {
    static final Order NONE = new Order(false, 0);
  }

  /** Places an order once, with its lines; a second placing of the same order is refused. */
  static final class OrderDecider implements Decider<PlaceOrder, Order, Event> {
    @Override
    public Order initialState() {
      return Order.NONE;
    }

    @Override
    public List<Event> decide(PlaceOrder command, Order state) {
      if (state.placed()) {
        throw new IllegalStateException("order already placed, with " + state.lines() + " lines");
      }
      List<Event> events = new ArrayList<>(1 + command.lines().size());
      events.add(new OrderPlaced(command.customerId(), command.tag()));
      command.lines().forEach(l -> events.add(new LineAdded(l.sku(), l.quantity(), l.unitPriceCents())));
      return events;
    }

    @Override
    public Order evolve(Order state, Event event) {
      return event instanceof OrderPlaced ? new Order(true, 0) : new Order(true, state.lines() + 1);
    }
  }

  static final OrderDecider DECIDER = new OrderDecider();

  static JacksonEventSerializer serializer() {
    return JacksonEventSerializer.create(EventTypeRegistry.builder().registerSealed(Event.class).build());
  }

  /** The command of operation {@code index}: a customer of 500, {@code lines} lines of 50 skus. */
  static PlaceOrder place(long tag, int index, int lines) {
    List<Line> l = new ArrayList<>(lines);
    for (int i = 0; i < lines; i++) {
      l.add(new Line("sku-" + ((index * 7 + i * 13) % 50), 1 + (index + i) % 5, 100 + (index * 31L + i) % 9_900));
    }
    return new PlaceOrder("customer-" + index % 500, tag, l);
  }
}
