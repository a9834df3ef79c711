package dev.cairn.bus.kafka;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.EventEnvelope;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.jspecify.annotations.Nullable;

/**
 * Cairn's Kafka record format, in both directions.
 *
 * <p>A stored event becomes one record:
 *
 * <ul>
 *   <li>key: the stream id, UTF-8;
 *   <li>value: the event's payload JSON as stored, UTF-8;
 *   <li>headers, each a UTF-8 string, following the CloudEvents Kafka binary binding: {@value
 *       #CE_SPECVERSION} ({@code 1.0}), {@value #CE_ID} (event id), {@value #CE_TYPE} (logical event
 *       type), {@value #CE_SOURCE} (configured, e.g. {@code cairn://<schema>}), {@value #CE_SUBJECT}
 *       (stream id), {@value #CE_TIME} (recorded-at, ISO-8601 UTC), {@value #CONTENT_TYPE} ({@code
 *       application/json}); then {@value #STREAM_TYPE}, {@value #VERSION} (version in the stream,
 *       from 1), {@value #POSITION} (global position {@code txId/position}), {@value
 *       #SCHEMA_REVISION}; and only when set {@value #CORRELATION_ID}, {@value #CAUSATION_ID},
 *       {@value #TENANT}, {@value #USER}, {@value #TRACEPARENT} and one {@value #META_PREFIX}{@code
 *       <key>} header per free-form metadata entry.
 * </ul>
 *
 * <p>Any Kafka client can read this format without Cairn. This class only converts; it holds no
 * state and is safe to use from any thread.
 */
public final class CairnRecords {

  /** CloudEvents spec version header; always {@value #SPEC_VERSION}. */
  public static final String CE_SPECVERSION = "ce_specversion";
  /** CloudEvents id header: the event id (a UUID). */
  public static final String CE_ID = "ce_id";
  /** CloudEvents type header: the logical event type, e.g. {@code OrderPlaced}. */
  public static final String CE_TYPE = "ce_type";
  /** CloudEvents source header: the configured source, e.g. {@code cairn://orders}. */
  public static final String CE_SOURCE = "ce_source";
  /** CloudEvents subject header: the stream id. */
  public static final String CE_SUBJECT = "ce_subject";
  /** CloudEvents time header: when the event was recorded, ISO-8601 in UTC. */
  public static final String CE_TIME = "ce_time";
  /** Content type header of the binary binding; always {@value #JSON}. */
  public static final String CONTENT_TYPE = "content-type";
  /** The stream's type. */
  public static final String STREAM_TYPE = "cairn_stream_type";
  /** The event's version within its stream, from 1, in decimal. */
  public static final String VERSION = "cairn_version";
  /** The event's global position in the store, {@code txId/position}. */
  public static final String POSITION = "cairn_position";
  /** The schema revision the payload was written with, in decimal. */
  public static final String SCHEMA_REVISION = "cairn_schema_revision";
  /** The correlation id, when set. */
  public static final String CORRELATION_ID = "cairn_correlation_id";
  /** The causation id, when set. */
  public static final String CAUSATION_ID = "cairn_causation_id";
  /** The tenant, when set. */
  public static final String TENANT = "cairn_tenant";
  /** The user, when set. */
  public static final String USER = "cairn_user";
  /** The W3C trace context, when set. */
  public static final String TRACEPARENT = "traceparent";
  /** Prefix of the headers that carry free-form metadata entries, one header per entry. */
  public static final String META_PREFIX = "cairn_meta_";

  /** The CloudEvents spec version written. */
  public static final String SPEC_VERSION = "1.0";
  /** The content type written. */
  public static final String JSON = "application/json";

  private CairnRecords() {}

  /**
   * Builds the record for a stored event.
   *
   * @param topic the topic to send it to
   * @param e the stored event
   * @param source the CloudEvents source, e.g. {@code cairn://orders}
   * @return the record, without a partition (the key chooses it)
   * @throws NullPointerException if an argument is null
   */
  public static ProducerRecord<String, byte[]> toRecord(String topic, RecordedEvent e, String source) {
    requireNonNull(topic, "topic");
    requireNonNull(e, "e");
    requireNonNull(source, "source");
    List<Header> headers = new ArrayList<>(16);
    add(headers, CE_SPECVERSION, SPEC_VERSION);
    add(headers, CE_ID, e.eventId().toString());
    add(headers, CE_TYPE, e.eventType());
    add(headers, CE_SOURCE, source);
    add(headers, CE_SUBJECT, e.streamId());
    add(headers, CE_TIME, e.recordedAt().toString());
    add(headers, CONTENT_TYPE, JSON);
    add(headers, STREAM_TYPE, e.streamType());
    add(headers, VERSION, Long.toString(e.version()));
    add(headers, POSITION, e.position().toString());
    add(headers, SCHEMA_REVISION, Integer.toString(e.schemaRevision()));
    EventMetadata m = e.metadata() == null ? EventMetadata.EMPTY : e.metadata();
    add(headers, CORRELATION_ID, m.correlationId());
    add(headers, CAUSATION_ID, m.causationId());
    add(headers, TENANT, m.tenant());
    add(headers, USER, m.user());
    add(headers, TRACEPARENT, m.traceparent());
    m.extra().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(x -> add(headers, META_PREFIX + x.getKey(), x.getValue()));
    return new ProducerRecord<>(
        topic, null, null, e.streamId(), e.payload().getBytes(StandardCharsets.UTF_8), headers);
  }

  /**
   * Reads a record written by {@link #toRecord} back into the stored event.
   *
   * @param r the record
   * @return the stored event
   * @throws RecordFormatException naming the topic, partition, offset and header if a required
   *     header is missing or unreadable, or the value is missing
   * @throws NullPointerException if the record is null
   */
  public static RecordedEvent toRecordedEvent(ConsumerRecord<String, byte[]> r) {
    requireNonNull(r, "r");
    Headers h = r.headers();
    String id = required(r, h, CE_ID);
    String type = required(r, h, CE_TYPE);
    String subject = required(r, h, CE_SUBJECT);
    String time = required(r, h, CE_TIME);
    String streamType = required(r, h, STREAM_TYPE);
    String version = required(r, h, VERSION);
    String position = required(r, h, POSITION);
    String revision = required(r, h, SCHEMA_REVISION);
    if (r.value() == null) {
      throw RecordFormatException.malformed(r.topic(), r.partition(), r.offset(), "value", null, null);
    }
    Map<String, String> extra = new HashMap<>();
    for (Header header : h) {
      if (header.key().startsWith(META_PREFIX) && header.value() != null) {
        extra.put(header.key().substring(META_PREFIX.length()), utf8(header.value()));
      }
    }
    EventMetadata metadata =
        new EventMetadata(
            optional(h, CORRELATION_ID),
            optional(h, CAUSATION_ID),
            optional(h, TENANT),
            optional(h, USER),
            optional(h, TRACEPARENT),
            extra);
    return new RecordedEvent(
        parse(r, CE_ID, id, UUID::fromString),
        subject,
        streamType,
        parse(r, VERSION, version, Long::parseLong),
        parse(r, POSITION, position, GlobalPosition::parse),
        parse(r, CE_TIME, time, Instant::parse),
        type,
        parse(r, SCHEMA_REVISION, revision, Integer::parseInt),
        utf8(r.value()),
        metadata);
  }

  /**
   * Reads a record written by {@link #toRecord} into a typed envelope, through the serializer's
   * type registry and upcasters.
   *
   * @param r the record
   * @param serializer the serializer that knows the event types
   * @param <E> the event family the caller expects
   * @return the envelope
   * @throws RecordFormatException if the record does not follow the format
   * @throws dev.cairn.api.UnknownEventTypeException if the event type or revision is not registered
   * @throws dev.cairn.api.EventSerializationException if the payload cannot be read
   * @throws NullPointerException if an argument is null
   */
  @SuppressWarnings("unchecked")
  public static <E> EventEnvelope<E> toEnvelope(
      ConsumerRecord<String, byte[]> r, EventSerializer serializer) {
    requireNonNull(serializer, "serializer");
    RecordedEvent recorded = toRecordedEvent(r);
    return EventEnvelope.of(recorded, (E) serializer.deserialize(recorded));
  }

  private static void add(List<Header> headers, String key, @Nullable String value) {
    if (value != null) {
      headers.add(new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8)));
    }
  }

  private static String required(ConsumerRecord<String, byte[]> r, Headers h, String key) {
    Header header = h.lastHeader(key);
    if (header == null || header.value() == null) {
      throw RecordFormatException.missingHeader(r.topic(), r.partition(), r.offset(), key);
    }
    return utf8(header.value());
  }

  private static @Nullable String optional(Headers h, String key) {
    Header header = h.lastHeader(key);
    return header == null || header.value() == null ? null : utf8(header.value());
  }

  private static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private interface Parser<T> {
    T parse(String text);
  }

  private static <T> T parse(
      ConsumerRecord<String, byte[]> r, String header, String text, Parser<T> parser) {
    try {
      return parser.parse(text);
    } catch (RuntimeException e) {
      throw RecordFormatException.malformed(r.topic(), r.partition(), r.offset(), header, text, e);
    }
  }
}
