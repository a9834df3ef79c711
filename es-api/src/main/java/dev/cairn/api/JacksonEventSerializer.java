package dev.cairn.api;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.cairn.api.EventTypeRegistry.EventType;
import java.util.Optional;
import java.util.Set;

/**
 * The Jackson serializer: records are written as JSON objects, named through an {@link
 * EventTypeRegistry}, and read strictly (a missing, unknown or mistyped property is an error that
 * an upcaster must resolve).
 */
public final class JacksonEventSerializer implements EventSerializer {

  private final EventTypeRegistry registry;
  private final ObjectMapper mapper;

  private JacksonEventSerializer(EventTypeRegistry registry, ObjectMapper mapper) {
    this.registry = requireNonNull(registry, "registry");
    this.mapper = requireNonNull(mapper, "mapper");
  }

  /**
   * Creates a serializer with Cairn's strict default mapper (Java time as ISO-8601 strings).
   *
   * @param registry the event types
   * @return the serializer
   */
  public static JacksonEventSerializer create(EventTypeRegistry registry) {
    return new JacksonEventSerializer(registry, defaultMapper());
  }

  /**
   * Creates a serializer with a mapper of the caller's.
   *
   * @param registry the event types
   * @param mapper the mapper; it must handle records and whatever types the events hold
   * @return the serializer
   */
  public static JacksonEventSerializer create(EventTypeRegistry registry, ObjectMapper mapper) {
    return new JacksonEventSerializer(registry, mapper);
  }

  /**
   * Returns Cairn's default mapper: strict on read, Java time as ISO-8601 strings.
   *
   * @return a new mapper
   */
  public static ObjectMapper defaultMapper() {
    return JsonMapper.builder()
        .addModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        // Jackson's defaults would truncate 2.5 into a long field and read "12" or "true" into
        // number and boolean fields; a stored shape that differs from the record's must fail
        // instead, so that an upcaster resolves it.
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .build();
  }

  /**
   * Returns the registry this serializer names events by.
   *
   * @return the registry
   */
  public EventTypeRegistry registry() {
    return registry;
  }

  @Override
  public SerializedEvent serialize(Object event) {
    requireNonNull(event, "event");
    EventType type =
        registry.forClass(event.getClass()).orElseThrow(() -> UnregisteredEventException.of(event.getClass()));
    try {
      return new SerializedEvent(type.name(), type.revision(), mapper.writeValueAsString(event));
    } catch (JsonProcessingException e) {
      throw EventSerializationException.unwritable(event.getClass(), e);
    }
  }

  /** Where an event lies, for an error's message; built only on the error path (reads are hot). */
  private static String where(RecordedEvent recorded) {
    return "in stream " + recorded.streamId() + " at " + recorded.position();
  }

  @Override
  public Object deserialize(RecordedEvent recorded) {
    String name = recorded.eventType();
    EventType type =
        registry
            .forName(name)
            .orElseThrow(
                () ->
                    UnknownEventTypeException.stored(
                        name, recorded.schemaRevision(), recorded.streamId(), recorded.position()));
    int revision = recorded.schemaRevision();
    if (revision > type.revision()) {
      // Written by a newer version of the service than this one.
      throw UnknownEventTypeException.stored(name, revision, recorded.streamId(), recorded.position());
    }
    try {
      if (revision == type.revision()) {
        return mapper.readValue(recorded.payload(), type.javaClass());
      }
      JsonNode tree = mapper.readTree(recorded.payload());
      if (!(tree instanceof ObjectNode node)) {
        throw EventSerializationException.unreadable(
            name, revision, where(recorded), new IllegalArgumentException("payload is not a JSON object"));
      }
      ObjectNode current = node;
      for (int r = revision; r < type.revision(); r++) {
        int from = r;
        Upcaster upcaster =
            registry
                .upcaster(name, from)
                .orElseThrow(
                    () ->
                        UnknownEventTypeException.stored(
                            name, from, recorded.streamId(), recorded.position()));
        current = upcaster.upcast(current);
      }
      return mapper.treeToValue(current, type.javaClass());
    } catch (JsonProcessingException e) {
      throw EventSerializationException.unreadable(name, type.revision(), where(recorded), e);
    }
  }

  @Override
  public boolean isRegistered(Class<?> eventClass) {
    return registry.forClass(eventClass).isPresent();
  }

  @Override
  public Optional<Set<String>> eventTypesOf(Class<?> eventClass) {
    return Optional.of(registry.namesOf(eventClass));
  }

  @Override
  public String writeState(Object state) {
    try {
      return mapper.writeValueAsString(state);
    } catch (JsonProcessingException e) {
      throw EventSerializationException.unwritable(state.getClass(), e);
    }
  }

  @Override
  public <S> S readState(String json, Class<S> type) {
    try {
      return mapper.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw EventSerializationException.unreadable(type.getName(), 0, "from a snapshot", e);
    }
  }
}
