package dev.cairn.admin.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The admin API's JSON: instants as ISO-8601 strings, strict reading of request bodies. */
public final class AdminJson {

  /** Writes answers. */
  public static final ObjectMapper WRITER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .build();

  /** Reads request bodies: no duplicate keys, no trailing tokens. */
  public static final ObjectMapper READER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          .build();

  private AdminJson() {}

  /**
   * Writes a value as JSON bytes.
   *
   * @param value the value
   * @return the JSON
   */
  public static byte[] write(Object value) {
    try {
      return WRITER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes a value as a JSON string.
   *
   * @param value the value
   * @return the JSON
   */
  public static String writeString(Object value) {
    try {
      return WRITER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads a JSON object into plain values (maps, lists, strings, numbers, booleans, null).
   *
   * @param json the JSON text
   * @return the map; empty if the text is null or blank
   */
  public static Map<String, Object> readMap(@Nullable String json) {
    if (json == null || json.isBlank()) {
      return new LinkedHashMap<>();
    }
    try {
      JsonNode node = READER.readTree(json);
      @SuppressWarnings("unchecked")
      Map<String, Object> map = READER.convertValue(node, LinkedHashMap.class);
      return map;
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
