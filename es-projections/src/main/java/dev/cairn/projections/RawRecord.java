package dev.cairn.projections;

import java.util.List;

/**
 * A Kafka record kept as it was read, because it was not in Cairn's record format (a header
 * missing or unreadable, no value): its key, headers and value bytes, so that it can be examined,
 * retried with a newer reader, or skipped.
 *
 * @param key the record's key, or null
 * @param headers the record's headers, in order
 * @param value the record's value, or null
 */
public record RawRecord(String key, List<Header> headers, byte[] value) {

  /**
   * One header of the record.
   *
   * @param key the header's key
   * @param value the header's value, or null
   */
  public record Header(String key, byte[] value) {}

  /** Copies the headers. */
  public RawRecord {
    headers = List.copyOf(headers);
  }
}
