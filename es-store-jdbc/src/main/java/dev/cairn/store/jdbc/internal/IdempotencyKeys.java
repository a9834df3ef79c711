package dev.cairn.store.jdbc.internal;

import dev.cairn.api.IdempotencyKeyReusedException;
import dev.cairn.api.RecordedEvent;
import dev.cairn.store.jdbc.spi.StoreTables;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Command idempotency keys: each records the stream, a fingerprint of the command's content
 * ({@link #fingerprint}) and the versions its events took, so a command re-sent with the same key
 * is answered as it was the first time.
 */
public final class IdempotencyKeys {

  private static final String INSERT = """
      INSERT INTO %s (idempotency_key, stream_id, command_hash, from_version, to_version)
      VALUES (:key, :stream, :hash, :from, :to)
      """;

  private static final String FIND = """
      SELECT stream_id, command_hash, from_version, to_version FROM %s
      WHERE idempotency_key = :key
      """;

  private static final String PURGE = """
      DELETE FROM %s WHERE created_at < :before
      """;

  /**
   * The outcome of the command that first used a key.
   *
   * @param fromVersion the version of its first event
   * @param toVersion the version of its last event, {@code fromVersion - 1} if it had none
   * @param events its events
   */
  public record EarlierCommand(long fromVersion, long toVersion, List<RecordedEvent> events) {

    /**
     * Returns the stream's version after the command.
     *
     * @return the version
     */
    public long version() {
      return toVersion < fromVersion ? fromVersion - 1 : toVersion;
    }
  }

  /** Thrown inside the append transaction when the idempotency key is already taken. */
  public static final class KeyAlreadyUsed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    KeyAlreadyUsed() {
      super(null, null, false, false);
    }
  }

  private final Jdbi jdbi;
  private final StreamReader streams;
  private final String insertSql;
  private final String findSql;
  private final String purgeSql;

  /**
   * Creates the key store.
   *
   * @param jdbi the store's Jdbi
   * @param tables the store's tables
   * @param streams the store's stream reader
   */
  public IdempotencyKeys(Jdbi jdbi, StoreTables tables, StreamReader streams) {
    this.jdbi = jdbi;
    this.streams = streams;
    String table = tables.qualified("idempotency_keys");
    this.insertSql = INSERT.formatted(table);
    this.findSql = FIND.formatted(table);
    this.purgeSql = PURGE.formatted(table);
  }

  /**
   * Records a key in the caller's transaction.
   *
   * @param h the handle
   * @param key the key
   * @param streamId the stream
   * @param hash the command's fingerprint
   * @param from the version of the command's first event
   * @param to the version of its last event, {@code from - 1} if it had none
   * @throws KeyAlreadyUsed if the key is taken
   */
  public void record(Handle h, String key, String streamId, String hash, long from, long to) {
    try {
      h.createUpdate(insertSql)
          .bind("key", key)
          .bind("stream", streamId)
          .bind("hash", hash)
          .bind("from", from)
          .bind("to", to)
          .execute();
    } catch (RuntimeException e) {
      if (SqlStates.isUniqueViolation(e, "idempotency_keys_pkey")) {
        throw new KeyAlreadyUsed();
      }
      throw e;
    }
  }

  /**
   * Finds the command that first used a key.
   *
   * @param key the key
   * @param streamId the stream the command now targets
   * @param hash the fingerprint of the command now sent, from {@link #fingerprint}
   * @param command the command now sent, to match a fingerprint recorded by version 1 (class
   *     name and {@code toString}) before the upgrade
   * @return the earlier command, if the key was used
   * @throws IdempotencyKeyReusedException if the key was used on another stream or command
   */
  public Optional<EarlierCommand> find(String key, String streamId, String hash, Object command) {
    return jdbi.withHandle(
        h ->
            h.createQuery(findSql)
                .bind("key", key)
                .map(
                    (rs, ctx) -> {
                      String firstStream = rs.getString("stream_id");
                      if (!firstStream.equals(streamId)) {
                        throw IdempotencyKeyReusedException.otherStream(key, firstStream, streamId);
                      }
                      if (!CommandFingerprint.matches(rs.getString("command_hash"), hash, command)) {
                        throw IdempotencyKeyReusedException.otherCommand(key, streamId);
                      }
                      long from = rs.getLong("from_version");
                      long to = rs.getLong("to_version");
                      List<RecordedEvent> events =
                          to < from ? List.of() : streams.read(h, streamId, from - 1, to, Integer.MAX_VALUE);
                      return new EarlierCommand(from, to, events);
                    })
                .findOne());
  }

  /**
   * Deletes the keys recorded before an instant.
   *
   * @param before the cut-off
   * @return how many keys were deleted
   */
  public int purge(Instant before) {
    return jdbi.withHandle(
        h ->
            h.createUpdate(purgeSql)
                .bind("before", OffsetDateTime.ofInstant(before, ZoneOffset.UTC))
                .execute());
  }

  /**
   * Fingerprints a command by content: {@code "v2:"} and the SHA-256 of its simple class name and
   * its canonical JSON (fields sorted by name, arrays by content, sets and maps sorted), so equal
   * commands match across instances, JVMs and package moves whatever their {@code toString}
   * shows. See {@link CommandFingerprint} for the exact form.
   *
   * @param command the command
   * @return the fingerprint
   * @throws IllegalArgumentException if the command cannot be written as JSON
   */
  public static String fingerprint(Object command) {
    return CommandFingerprint.of(command);
  }
}
