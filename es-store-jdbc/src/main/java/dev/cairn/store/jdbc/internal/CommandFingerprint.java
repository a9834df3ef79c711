package dev.cairn.store.jdbc.internal;

import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.cairn.api.EventStoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Fingerprints commands for their idempotency keys, by content rather than by {@code toString}.
 *
 * <p>Version 2 (stored as {@code "v2:" + hex}) is the SHA-256 of the command's kind, a zero byte
 * and its canonical JSON:
 *
 * <ul>
 *   <li>the kind is the class's simple name ({@code Deposit}, not {@code com.acme.Accounts$Deposit}),
 *       so moving the command to another package or outer class between deploys keeps its
 *       fingerprint, while two kinds of command with the same components ({@code Deposit(25)},
 *       {@code Withdraw(25)}) still differ;
 *   <li>the JSON holds the command's fields (a record's components), whatever its {@code
 *       toString} shows: arrays by content ({@code byte[]} as Base64), properties and map entries
 *       sorted by name, set elements sorted by their own canonical JSON, Java time as ISO-8601,
 *       {@code Optional} as its value or null; transient and static fields are left out. It
 *       depends on no class name and no JVM: equal content gives an equal fingerprint.
 * </ul>
 *
 * <p>Version 1 (stored unprefixed) hashed the class name and {@code toString}; keys recorded by
 * it are still matched by {@link #legacy}.
 */
final class CommandFingerprint {

  /** The prefix of version-2 fingerprints. */
  static final String PREFIX = "v2:";

  private static final ObjectMapper CANONICAL = canonicalMapper();

  private CommandFingerprint() {}

  /**
   * Fingerprints a command by its kind and canonical JSON.
   *
   * @param command the command
   * @return {@code "v2:"} and a SHA-256 in hex
   * @throws IllegalArgumentException if the command cannot be written as JSON
   */
  static String of(Object command) {
    byte[] json;
    try {
      json = CANONICAL.writeValueAsBytes(command);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "command " + command.getClass().getName() + " cannot be fingerprinted for its idempotency"
              + " key, it does not write as JSON (make it a record of plain values): " + e.getOriginalMessage(),
          e);
    }
    MessageDigest sha = sha256();
    sha.update(kind(command.getClass()).getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
    sha.update(json);
    return PREFIX + HexFormat.of().formatHex(sha.digest());
  }

  /**
   * Fingerprints a command as version 1 did: its class name and its {@code toString}.
   *
   * @param command the command
   * @return the SHA-256 in hex, unprefixed
   */
  static String legacy(Object command) {
    MessageDigest sha = sha256();
    sha.update(command.getClass().getName().getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
    sha.update(command.toString().getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(sha.digest());
  }

  /**
   * Tells whether a stored fingerprint is the command's, in whichever version it was recorded.
   *
   * @param stored the fingerprint recorded with the key
   * @param current the command's version-2 fingerprint
   * @param command the command
   * @return true if the stored fingerprint is the command's
   */
  static boolean matches(String stored, String current, Object command) {
    return stored.startsWith(PREFIX) ? stored.equals(current) : stored.equals(legacy(command));
  }

  private static String kind(Class<?> type) {
    String simple = type.getSimpleName();
    // Anonymous classes have no simple name; they have no stable name at all.
    return simple.isEmpty() ? type.getName() : simple;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw EventStoreException.of("computing a command fingerprint", e);
    }
  }

  private static ObjectMapper canonicalMapper() {
    SimpleModule sets = new SimpleModule("cairn-canonical-sets");
    sets.addSerializer(new SortedSetSerializer());
    return JsonMapper.builder()
        .addModule(new JavaTimeModule())
        .addModule(new Jdk8Module())
        .addModule(sets)
        // Fields, not getters: a record's components are its content; a getter may compute or
        // hide something.
        .visibility(PropertyAccessor.ALL, Visibility.NONE)
        .visibility(PropertyAccessor.FIELD, Visibility.ANY)
        .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
        .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .build();
  }

  /**
   * Writes a set's elements sorted by their canonical JSON: a hash set's iteration order depends
   * on its history, and for enums and other identity-hashed elements on the JVM run.
   */
  private static final class SortedSetSerializer extends StdSerializer<Set<?>> {
    private static final long serialVersionUID = 1L;

    SortedSetSerializer() {
      super(Set.class, false);
    }

    @Override
    public void serialize(Set<?> value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      ObjectMapper mapper = (ObjectMapper) gen.getCodec();
      List<String> elements = new ArrayList<>(value.size());
      for (Object element : value) {
        elements.add(mapper.writeValueAsString(element));
      }
      Collections.sort(elements);
      gen.writeStartArray(value, elements.size());
      for (String element : elements) {
        gen.writeRawValue(element);
      }
      gen.writeEndArray();
    }
  }
}
