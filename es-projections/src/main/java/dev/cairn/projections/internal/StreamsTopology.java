package dev.cairn.projections.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.EventEnvelope;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import dev.cairn.projections.StreamsProjection.Folder;
import dev.cairn.projections.StreamsProjection.Grouping;
import dev.cairn.projections.internal.StreamsSerdes.Change;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.jspecify.annotations.Nullable;

/**
 * The Kafka Streams topology of a streams projection: a processor folds each record into its key's
 * state in a store and, if there are groupings, forwards the change; each grouping moves the old
 * state out of its group and the new one into its group, through a repartition topic.
 *
 * @param <S> the state per key
 */
public final class StreamsTopology<S> {

  private final String name;
  private final String topic;
  private final EventSerializer serializer;
  private final Class<S> stateType;
  private final Supplier<S> initial;
  private final Folder<S> folder;
  private final List<Grouping<S, ?>> groupings;

  /**
   * Describes the topology.
   *
   * @param name the application id
   * @param topic the topic of Cairn records
   * @param serializer reads the records' events
   * @param stateType the state's class
   * @param initial the state of a new key
   * @param folder folds an event into a state
   * @param groupings the groupings
   */
  public StreamsTopology(
      String name, String topic, EventSerializer serializer, Class<S> stateType, Supplier<S> initial, Folder<S> folder,
      List<Grouping<S, ?>> groupings) {
    this.name = name;
    this.topic = topic;
    this.serializer = serializer;
    this.stateType = stateType;
    this.initial = initial;
    this.folder = folder;
    this.groupings = List.copyOf(groupings);
  }

  /**
   * Returns the name of the store of the states.
   *
   * @return the store's name
   */
  public String stateStore() {
    return name + "-state";
  }

  /**
   * Returns the name of a grouping's store.
   *
   * @param g the grouping
   * @return the store's name
   */
  public String groupStore(Grouping<S, ?> g) {
    return name + "-group-" + g.name();
  }

  /**
   * Returns the internal topics Kafka Streams makes for this topology (changelogs and repartition
   * topics), by the names it gives them.
   *
   * @return the topic names
   */
  public Set<String> internalTopics() {
    Set<String> ours = new HashSet<>();
    ours.add(name + "-" + stateStore() + "-changelog");
    for (Grouping<S, ?> g : groupings) {
      ours.add(name + "-" + groupStore(g) + "-changelog");
      ours.add(name + "-" + g.name() + "-repartition");
    }
    return ours;
  }

  /**
   * Builds the topology.
   *
   * @return the topology
   */
  public Topology build() {
    Serde<S> stateSerde = StreamsSerdes.json(stateType);
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(stateStore()), Serdes.String(), stateSerde));
    KStream<String, Change<S>> changes =
        builder.stream(topic, Consumed.with(Serdes.String(), Serdes.ByteArray())).process(FoldProcessor::new, stateStore());
    for (Grouping<S, ?> g : groupings) {
      addGrouping(changes, g, stateSerde);
    }
    return builder.build();
  }

  private <G> void addGrouping(KStream<String, Change<S>> changes, Grouping<S, G> g, Serde<S> stateSerde) {
    Serde<Change<S>> changeSerde = StreamsSerdes.changes(stateSerde);
    changes
        .flatMap(
            (key, change) -> {
              // The old state leaves its group, the new one joins its group (maybe the same).
              List<KeyValue<String, Change<S>>> moves = new ArrayList<>(2);
              String from = change.before() == null ? null : g.keyOf().apply(change.before());
              String to = change.after() == null ? null : g.keyOf().apply(change.after());
              if (from != null) {
                moves.add(KeyValue.pair(from, new Change<>(change.before(), null)));
              }
              if (to != null) {
                moves.add(KeyValue.pair(to, new Change<>(null, change.after())));
              }
              return moves;
            })
        .groupByKey(Grouped.with(g.name(), Serdes.String(), changeSerde))
        .aggregate(
            g.initial()::get,
            (groupKey, move, total) ->
                move.before() != null ? g.subtract().apply(total, move.before()) : g.add().apply(total, move.after()),
            Materialized.<String, G, KeyValueStore<Bytes, byte[]>>as(groupStore(g))
                .withKeySerde(Serdes.String())
                .withValueSerde(StreamsSerdes.json(g.type())));
  }

  private final class FoldProcessor implements Processor<String, byte[], String, Change<S>> {
    private final Serde<S> stateSerde = StreamsSerdes.json(stateType);
    /** Set by {@link #init}, which Kafka Streams calls before any record. */
    private @Nullable ProcessorContext<String, Change<S>> context;
    private @Nullable KeyValueStore<String, S> store;

    @Override
    public void init(ProcessorContext<String, Change<S>> context) {
      this.context = context;
      this.store = context.getStateStore(stateStore());
    }

    @Override
    public void process(Record<String, byte[]> record) {
      ProcessorContext<String, Change<S>> context = requireNonNull(this.context, "context");
      KeyValueStore<String, S> store = requireNonNull(this.store, "store");
      RecordMetadata meta = context.recordMetadata().orElseThrow();
      ConsumerRecord<String, byte[]> r =
          new ConsumerRecord<>(
              meta.topic(), meta.partition(), meta.offset(), record.timestamp(), TimestampType.CREATE_TIME,
              -1, -1, record.key(), record.value(), record.headers(), Optional.empty());
      RecordedEvent recorded = CairnRecords.toRecordedEvent(r);
      EventEnvelope<Object> envelope = EventEnvelope.of(recorded, serializer.deserialize(recorded));
      S before = store.get(recorded.streamId());
      // A folder may change the state it is given; the groups must see the state as it was.
      S leaving = before == null || groupings.isEmpty() ? before : copy(before);
      S after = folder.fold(before == null ? initial.get() : before, envelope);
      store.put(recorded.streamId(), after);
      if (!groupings.isEmpty()) {
        context.forward(new Record<>(recorded.streamId(), new Change<>(leaving, after), record.timestamp()));
      }
    }

    private S copy(S state) {
      return stateSerde.deserializer().deserialize(topic, stateSerde.serializer().serialize(topic, state));
    }
  }
}
