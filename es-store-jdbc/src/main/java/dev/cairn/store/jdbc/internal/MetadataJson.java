package dev.cairn.store.jdbc.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.api.EventMetadata;
import java.util.HashMap;
import java.util.Map;

/** Writes event metadata as a flat JSON object and reads it back. */
final class MetadataJson {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String CORRELATION = "correlation_id";
  private static final String CAUSATION = "causation_id";
  private static final String TENANT = "tenant";
  private static final String USER = "user";
  private static final String TRACEPARENT = "traceparent";

  private MetadataJson() {}

  static String write(EventMetadata m) {
    ObjectNode node = MAPPER.createObjectNode();
    putIfPresent(node, CORRELATION, m.correlationId());
    putIfPresent(node, CAUSATION, m.causationId());
    putIfPresent(node, TENANT, m.tenant());
    putIfPresent(node, USER, m.user());
    putIfPresent(node, TRACEPARENT, m.traceparent());
    if (!m.extra().isEmpty()) {
      ObjectNode extra = node.putObject("extra");
      m.extra().forEach(extra::put);
    }
    return node.toString();
  }

  static EventMetadata read(String json) {
    if (json == null || json.equals("{}")) {
      return EventMetadata.EMPTY;
    }
    try {
      JsonNode node = MAPPER.readTree(json);
      Map<String, String> extra = new HashMap<>();
      JsonNode extraNode = node.path("extra");
      for (Map.Entry<String, JsonNode> e : extraNode.properties()) {
        extra.put(e.getKey(), e.getValue().asText());
      }
      return new EventMetadata(
          text(node, CORRELATION),
          text(node, CAUSATION),
          text(node, TENANT),
          text(node, USER),
          text(node, TRACEPARENT),
          extra);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored event metadata is not JSON: " + json, e);
    }
  }

  private static void putIfPresent(ObjectNode node, String key, String value) {
    if (value != null) {
      node.put(key, value);
    }
  }

  private static String text(JsonNode node, String key) {
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? null : v.asText();
  }
}
