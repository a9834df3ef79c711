package dev.cairn.store.jdbc.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.api.EventMetadata;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

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
    // A streaming read: every event read from the store passes here, and the metadata is a flat
    // object of a few strings (and "extra", one more), so no tree is built.
    String correlation = null;
    String causation = null;
    String tenant = null;
    String user = null;
    String traceparent = null;
    Map<String, String> extra = Map.of();
    try (JsonParser p = MAPPER.getFactory().createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalStateException("stored event metadata is not a JSON object: " + json);
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("extra") && value == JsonToken.START_OBJECT) {
          extra = new HashMap<>();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            if (p.nextToken().isStructStart()) {
              p.skipChildren();
              continue;
            }
            extra.put(key, p.getValueAsString(p.getText()));
          }
          continue;
        }
        String text = value == JsonToken.VALUE_NULL ? null : p.getValueAsString(p.getText());
        switch (name) {
          case CORRELATION -> correlation = text;
          case CAUSATION -> causation = text;
          case TENANT -> tenant = text;
          case USER -> user = text;
          case TRACEPARENT -> traceparent = text;
          default -> p.skipChildren();
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("stored event metadata is not JSON: " + json, e);
    }
    return new EventMetadata(correlation, causation, tenant, user, traceparent, extra);
  }

  private static void putIfPresent(ObjectNode node, String key, @Nullable String value) {
    if (value != null) {
      node.put(key, value);
    }
  }

}
