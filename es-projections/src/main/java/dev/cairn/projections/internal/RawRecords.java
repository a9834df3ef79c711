package dev.cairn.projections.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.projections.ProjectionException;
import dev.cairn.projections.RawRecord;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

/**
 * Keeps a Kafka record that is not in Cairn's format in the dead-letter table: its headers as a
 * JSON array of {@code {"key": ..., "value": base64 or null}}, and back into a record to read it
 * again.
 */
public final class RawRecords {

  private static final ObjectMapper JSON = new ObjectMapper();

  private RawRecords() {}

  /**
   * Writes a record's headers as JSON.
   *
   * @param record the record
   * @return the JSON array
   */
  public static String headersJson(ConsumerRecord<String, byte[]> record) {
    ArrayNode array = JSON.createArrayNode();
    for (Header h : record.headers()) {
      ObjectNode o = array.addObject();
      o.put("key", h.key());
      o.put("value", h.value() == null ? null : Base64.getEncoder().encodeToString(h.value()));
    }
    return array.toString();
  }

  /**
   * Reads headers written by {@link #headersJson}.
   *
   * @param json the JSON array
   * @return the headers, in order
   * @throws ProjectionException if the JSON is not such an array
   */
  public static List<RawRecord.Header> headers(String json) {
    try {
      List<RawRecord.Header> headers = new ArrayList<>();
      for (JsonNode o : JSON.readTree(json)) {
        JsonNode value = o.get("value");
        headers.add(
            new RawRecord.Header(
                o.get("key").asText(), value == null || value.isNull() ? null : Base64.getDecoder().decode(value.asText())));
      }
      return headers;
    } catch (JsonProcessingException | RuntimeException e) {
      throw ProjectionException.of("reading the headers of a dead letter: " + json, e);
    }
  }

  /**
   * Rebuilds the record a dead letter was parked from, to read it again.
   *
   * @param topic its topic
   * @param partition its partition
   * @param offset its offset
   * @param raw its key, headers and value
   * @return the record
   */
  public static ConsumerRecord<String, byte[]> toConsumerRecord(String topic, int partition, long offset, RawRecord raw) {
    RecordHeaders headers = new RecordHeaders();
    raw.headers().forEach(h -> headers.add(h.key(), h.value()));
    return new ConsumerRecord<>(
        topic, partition, offset, ConsumerRecord.NO_TIMESTAMP, TimestampType.NO_TIMESTAMP_TYPE,
        ConsumerRecord.NULL_SIZE, ConsumerRecord.NULL_SIZE, raw.key(), raw.value(), headers, Optional.empty());
  }
}
