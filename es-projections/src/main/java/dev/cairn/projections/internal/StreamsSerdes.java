package dev.cairn.projections.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.jspecify.annotations.Nullable;

/** The serdes of a streams projection: states and group figures as JSON, and changes of a state. */
final class StreamsSerdes {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A key's state before and after one event, either absent. */
  record Change<T>(@Nullable T before, @Nullable T after) {}

  private StreamsSerdes() {}

  static <T> Serde<T> json(Class<T> type) {
    return Serdes.serdeFrom(
        (t, value) -> {
          try {
            return value == null ? null : JSON.writeValueAsBytes(value);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        },
        (t, bytes) -> {
          try {
            return bytes == null ? null : JSON.readValue(bytes, type);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  static <T> Serde<Change<T>> changes(Serde<T> states) {
    return Serdes.serdeFrom(
        (t, change) -> {
          byte[] before = change.before() == null ? new byte[0] : states.serializer().serialize(t, change.before());
          byte[] after = change.after() == null ? new byte[0] : states.serializer().serialize(t, change.after());
          return ByteBuffer.allocate(8 + before.length + after.length)
              .putInt(before.length).put(before).putInt(after.length).put(after).array();
        },
        (t, bytes) -> {
          ByteBuffer buffer = ByteBuffer.wrap(bytes);
          byte[] before = new byte[buffer.getInt()];
          buffer.get(before);
          byte[] after = new byte[buffer.getInt()];
          buffer.get(after);
          return new Change<>(
              before.length == 0 ? null : states.deserializer().deserialize(t, before),
              after.length == 0 ? null : states.deserializer().deserialize(t, after));
        });
  }
}
