package dev.cairn.bench;

import dev.cairn.api.Decider;
import dev.cairn.api.EventTypeRegistry;
import dev.cairn.api.JacksonEventSerializer;
import java.util.ArrayList;
import java.util.List;

/**
 * The staleness case's domain: orders placed with lines, in the shape of the sample's: one
 * command, one {@code OrderPlaced} event carrying the lines, on a new stream.
 */
final class Orders {

  /** The stream type of every order. */
  static final String STREAM_TYPE = "order";

  private Orders() {}

  /** Places an order; {@code tag} identifies the command to the benchmark's watcher. */
  record PlaceOrder(String customerId, long tag, List<Line> lines) {}

  record Line(String sku, int quantity, long unitPriceCents) {}

  sealed interface Event permits OrderPlaced {}

  record OrderPlaced(String customerId, long tag, List<Line> lines) implements Event {
    long totalCents() {
      return lines.stream().mapToLong(l -> l.quantity() * l.unitPriceCents()).sum();
    }
  }

  /** The state: placed or not. */
  record Order(boolean placed) {
    static final Order NONE = new Order(false);
  }

  /** Places an order once; a second placing of the same order is refused. */
  static final class OrderDecider implements Decider<PlaceOrder, Order, Event> {
    @Override
    public Order initialState() {
      return Order.NONE;
    }

    @Override
    public List<Event> decide(PlaceOrder command, Order state) {
      if (state.placed()) {
        throw new IllegalStateException("order already placed");
      }
      return List.of(new OrderPlaced(command.customerId(), command.tag(), command.lines()));
    }

    @Override
    public Order evolve(Order state, Event event) {
      return new Order(true);
    }
  }

  static final OrderDecider DECIDER = new OrderDecider();

  static JacksonEventSerializer serializer() {
    return JacksonEventSerializer.create(EventTypeRegistry.builder().registerSealed(Event.class).build());
  }

  /** The command of operation {@code index}: one of 500 customers, {@code lines} distinct skus of 50. */
  static PlaceOrder place(long tag, int index, int lines) {
    List<Line> l = new ArrayList<>(lines);
    for (int i = 0; i < lines; i++) {
      // 13 is prime to 50, so the skus of one order differ while there are fewer than 50 lines.
      l.add(new Line("sku-" + ((index * 7 + i * 13) % 50), 1 + (index + i) % 5, 100 + (index * 31L + i) % 9_900));
    }
    return new PlaceOrder("customer-" + index % 500, tag, l);
  }
}
