package dev.cairn.bus.kafka;

import dev.cairn.api.CairnException;
import org.jspecify.annotations.Nullable;

/**
 * A Kafka record does not follow Cairn's record format (see {@link CairnRecords}): a header is
 * missing or holds a value that cannot be read. The message names the topic, partition, offset
 * and the header.
 */
public final class RecordFormatException extends CairnException {

  private static final long serialVersionUID = 1L;

  private final String topic;
  private final int partition;
  private final long offset;
  private final String header;

  private RecordFormatException(
      String message, String topic, int partition, long offset, String header, @Nullable Throwable cause) {
    super(message, cause);
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.header = header;
  }

  /**
   * Creates the exception for a required header that the record lacks.
   *
   * @param topic the record's topic
   * @param partition its partition
   * @param offset its offset
   * @param header the missing header's name
   * @return the exception
   */
  public static RecordFormatException missingHeader(
      String topic, int partition, long offset, String header) {
    return new RecordFormatException(
        "record " + topic + "-" + partition + "@" + offset + " is not a Cairn event: header "
            + header + " is missing",
        topic, partition, offset, header, null);
  }

  /**
   * Creates the exception for a header (or the key or value) whose value cannot be read.
   *
   * @param topic the record's topic
   * @param partition its partition
   * @param offset its offset
   * @param header the header's name ({@code key} or {@code value} for those)
   * @param value the value found, or null if there is none
   * @param cause the parse error, or null
   * @return the exception
   */
  public static RecordFormatException malformed(
      String topic, int partition, long offset, String header, @Nullable String value,
      @Nullable Throwable cause) {
    return new RecordFormatException(
        "record " + topic + "-" + partition + "@" + offset + " is not a Cairn event: " + header
            + " has the unreadable value '" + value + "'"
            + (cause == null ? "" : ": " + cause.getMessage()),
        topic, partition, offset, header, cause);
  }

  /**
   * Returns the record's topic.
   *
   * @return the topic
   */
  public String topic() {
    return topic;
  }

  /**
   * Returns the record's partition.
   *
   * @return the partition
   */
  public int partition() {
    return partition;
  }

  /**
   * Returns the record's offset.
   *
   * @return the offset
   */
  public long offset() {
    return offset;
  }

  /**
   * Returns the header that is missing or unreadable.
   *
   * @return the header's name, or {@code key}/{@code value}
   */
  public String header() {
    return header;
  }
}
