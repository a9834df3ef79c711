package dev.cairn.sample.orders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.admin.http.ApiResponse;
import dev.cairn.api.Health;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Maps the library's health model and read-model rows to the sample's JSON. */
final class JsonViews {

  private JsonViews() {}

  /** Each component with its status, since when, and its named causes. */
  static List<Map<String, Object>> components(List<Health> parts) {
    List<Map<String, Object>> components = new ArrayList<>();
    for (Health h : parts) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("component", h.component());
      c.put("status", h.status().name());
      c.put("since", h.since().toString());
      List<Map<String, Object>> causes = new ArrayList<>();
      for (Health.Cause cause : h.causes()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", cause.code());
        m.put("status", cause.status().name());
        m.put("message", cause.message());
        m.put("since", cause.since().toString());
        causes.add(m);
      }
      c.put("causes", causes);
      components.add(c);
    }
    return components;
  }

  /** A read-model row with camelCase keys and timestamps as ISO-8601 instants. */
  static Map<String, Object> row(Map<String, Object> row) {
    Map<String, Object> out = new LinkedHashMap<>();
    row.forEach((k, v) -> out.put(camel(k), v instanceof java.sql.Timestamp ts ? ts.toInstant().toString() : v));
    return out;
  }

  private static String camel(String column) {
    StringBuilder b = new StringBuilder();
    boolean up = false;
    for (char c : column.toCharArray()) {
      if (c == '_') {
        up = true;
      } else {
        b.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return b.toString();
  }

  /** A value as a JSON answer with the given status. */
  static ApiResponse answer(ObjectMapper json, int status, Object body) {
    try {
      return ApiResponse.json(status, json.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not write the answer as JSON", e);
    }
  }

  /**
   * The answer to {@code GET /health}: DOWN answers 503, so that a load balancer or an
   * orchestrator's probe takes the instance out; DEGRADED still serves and answers 200, naming
   * its causes.
   */
  static ApiResponse health(ObjectMapper json, Map<String, Object> health) {
    return answer(json, "DOWN".equals(health.get("status")) ? 503 : 200, health);
  }
}
