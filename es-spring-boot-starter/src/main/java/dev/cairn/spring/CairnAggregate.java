package dev.cairn.spring;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.Decider;
import dev.cairn.api.spi.Checks;
import org.jspecify.annotations.Nullable;

/**
 * Declares an aggregate to the starter, which then provides its repository as a bean (named after
 * this bean, plus {@code Repository}) and registers its events with the serializer. A {@link
 * Decider} alone carries no stream type, and the serializer needs the sealed event interface:
 *
 * <pre>{@code
 * @Bean
 * CairnAggregate<OrderCommand, Order, OrderEvent> orders() {
 *   return CairnAggregate.of("order", new OrderDecider(), OrderEvent.class, Order.class);
 * }
 * }</pre>
 *
 * @param <C> the command family
 * @param <S> the state
 * @param <E> the event family
 */
public final class CairnAggregate<C, S, E> {

  private final String streamType;
  private final Decider<C, S, E> decider;
  private final Class<E> eventType;
  private final @Nullable Class<S> stateType;
  private final int stateRevision;

  private CairnAggregate(
      String streamType, Decider<C, S, E> decider, Class<E> eventType, @Nullable Class<S> stateType, int stateRevision) {
    this.streamType = streamType;
    this.decider = decider;
    this.eventType = eventType;
    this.stateType = stateType;
    this.stateRevision = stateRevision;
  }

  /**
   * Declares an aggregate whose state is snapshotted (revision 1; see {@link
   * #withStateRevision}).
   *
   * @param streamType the stream type, which names the aggregates' kind and their Kafka topic
   * @param decider the aggregate's behaviour
   * @param eventType the sealed interface its events implement
   * @param stateType the state's class, written as JSON in snapshots
   * @param <C> the command family
   * @param <S> the state
   * @param <E> the event family
   * @return the declaration
   * @throws IllegalArgumentException if the stream type is malformed
   * @throws CairnStartupException if the event interface is not sealed
   */
  public static <C, S, E> CairnAggregate<C, S, E> of(
      String streamType, Decider<C, S, E> decider, Class<E> eventType, Class<S> stateType) {
    return new CairnAggregate<>(
        Checks.streamType(streamType), requireNonNull(decider, "decider"), sealed(streamType, eventType),
        requireNonNull(stateType, "stateType"), 1);
  }

  /**
   * Declares an aggregate without snapshots.
   *
   * @param streamType the stream type
   * @param decider the aggregate's behaviour
   * @param eventType the sealed interface its events implement
   * @param <C> the command family
   * @param <S> the state
   * @param <E> the event family
   * @return the declaration
   * @throws IllegalArgumentException if the stream type is malformed
   * @throws CairnStartupException if the event interface is not sealed
   */
  public static <C, S, E> CairnAggregate<C, S, E> withoutSnapshots(
      String streamType, Decider<C, S, E> decider, Class<E> eventType) {
    return new CairnAggregate<>(
        Checks.streamType(streamType), requireNonNull(decider, "decider"), sealed(streamType, eventType), null, 0);
  }

  /**
   * Returns a copy with another state revision: bump it whenever the state's shape or the meaning
   * of {@code evolve} changes, so that older snapshots are ignored.
   *
   * @param revision 1 or more
   * @return the copy
   * @throws IllegalArgumentException if below 1, or the aggregate has no snapshots
   */
  public CairnAggregate<C, S, E> withStateRevision(int revision) {
    if (stateType == null) {
      throw new IllegalArgumentException("aggregate " + streamType + " has no snapshots, so no state revision");
    }
    return new CairnAggregate<>(streamType, decider, eventType, stateType, Checks.positive("state revision", revision));
  }

  private static <E> Class<E> sealed(String streamType, Class<E> eventType) {
    requireNonNull(eventType, "eventType");
    if (!eventType.isSealed()) {
      throw CairnStartupException.eventTypeNotSealed(streamType, eventType);
    }
    return eventType;
  }

  /**
   * Returns the stream type.
   *
   * @return the stream type
   */
  public String streamType() {
    return streamType;
  }

  /**
   * Returns the decider.
   *
   * @return the decider
   */
  public Decider<C, S, E> decider() {
    return decider;
  }

  /**
   * Returns the sealed event interface.
   *
   * @return the interface
   */
  public Class<E> eventType() {
    return eventType;
  }

  /**
   * Returns the state's class, if snapshots are taken.
   *
   * @return the class or null
   */
  public @Nullable Class<S> stateType() {
    return stateType;
  }

  /**
   * Returns the state's revision (0 without snapshots).
   *
   * @return the revision
   */
  public int stateRevision() {
    return stateRevision;
  }

  @Override
  public String toString() {
    return "CairnAggregate[" + streamType + ", events " + eventType.getName() + "]";
  }
}
