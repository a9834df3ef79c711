package dev.cairn.projections;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A Kafka record kept as it was read, because it was not in Cairn's record format (a header
 * missing or unreadable, no value): its key, headers and value bytes, so that it can be examined,
 * retried with a newer reader, or skipped.
 *
 * @param key the record's key, or null
 * @param headers the record's headers, in order
 * @param value the record's value, or null
 */
public record RawRecord(@Nullable String key, List<Header> headers, byte @Nullable [] value) {

  /**
   * One header of the record.
   *
   * @param key the header's key
   * @param value the header's value, or null
   */
  public record Header(String key, byte @Nullable [] value) {}

  /** Copies the headers. */
  public RawRecord {
    headers = List.copyOf(headers);
  }
}
