package dev.cairn.projections;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.api.EventMetadata;
import dev.cairn.api.EventSerializer;
import dev.cairn.api.GlobalPosition;
import dev.cairn.api.RecordedEvent;
import dev.cairn.bus.kafka.CairnRecords;
import dev.cairn.projections.internal.RawRecords;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead-letter table: events a projection could not apply ({@code PARKED}) and, by policy, the
 * later events of the same stream held behind them ({@code HELD}). Each keeps the whole event and
 * its source coordinates, so it can be retried after a fix without its source. Retrying or
 * skipping a parked event releases the events held behind it, in order.
 *
 * <p>A Kafka record that is not in Cairn's format is parked too, with its topic, partition,
 * offset, raw key, headers and value ({@link ParkedEvent#raw()}); nothing waits behind it, since
 * its stream is unknown. Retrying it reads it again with the current record format: it fails
 * again (and stays parked, its attempt counted) unless the reader now understands it, in which
 * case the event is applied. Skipping it gives up on it.
 */
public final class DeadLetters {

  private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Jdbi jdbi;
  private final Sql sql;
  private final EventSerializer serializer;

  DeadLetters(Jdbi jdbi, Sql sql, EventSerializer serializer) {
    this.jdbi = jdbi;
    this.sql = sql;
    this.serializer = serializer;
  }

  /**
   * Lists the open dead letters (parked and held) of a projection version, oldest first.
   *
   * @param spec the projection version
   * @return the dead letters
   */
  public List<ParkedEvent> list(ProjectionSpec spec) {
    requireNonNull(spec, "spec");
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT * FROM " + sql.deadLetters + " WHERE name = :name AND version = :version"
                        + " AND status IN ('PARKED', 'HELD') ORDER BY id")
                .bind("name", spec.name())
                .bind("version", spec.version())
                .map((rs, ctx) -> read(rs, spec))
                .list());
  }

  /**
   * Counts the open dead letters (parked and held) of a projection version.
   *
   * @param spec the projection version
   * @return the count
   */
  public long count(ProjectionSpec spec) {
    requireNonNull(spec, "spec");
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT count(*) FROM " + sql.deadLetters + " WHERE name = :name AND version = :version"
                        + " AND status IN ('PARKED', 'HELD')")
                .bind("name", spec.name())
                .bind("version", spec.version())
                .mapTo(Long.class)
                .one());
  }

  /**
   * Applies a parked event again (after a fix), then the events held behind it, in one
   * transaction with no batch of the projection in flight. If a held event fails, it becomes the
   * parked one and the rest stay held.
   *
   * @param projection the projection, as fixed
   * @param id the parked event's id
   * @throws ProjectionException if there is no such parked event, or it fails again (its attempt
   *     and error are recorded)
   */
  public void retry(Projection projection, long id) {
    resolve(projection, id, true);
  }

  /**
   * Gives up on a parked event, then applies the events held behind it.
   *
   * @param projection the projection
   * @param id the parked event's id
   * @throws ProjectionException if there is no such parked event
   */
  public void skip(Projection projection, long id) {
    resolve(projection, id, false);
  }

  /**
   * Retries every parked event of a projection version, oldest first, each as {@link #retry}
   * does; one that fails again stays parked and the others are still tried.
   *
   * @param projection the projection, as fixed
   * @return what happened, e.g. {@code "retried 3: 2 applied, 1 failed again"}
   */
  public String retryAll(Projection projection) {
    requireNonNull(projection, "projection");
    List<Long> ids =
        list(projection.spec()).stream().filter(p -> p.status().equals("PARKED")).map(ParkedEvent::id).toList();
    int failed = 0;
    for (long id : ids) {
      try {
        retry(projection, id);
      } catch (ProjectionException e) {
        failed++;
      }
    }
    return "retried " + ids.size() + ": " + (ids.size() - failed) + " applied, " + failed + " failed again";
  }

  /**
   * Finds dead letters of any projection, newest first.
   *
   * @param projection only this projection's (by name), or null
   * @param stream only this stream's, or null
   * @param errorContains only those whose error contains this text (any case), or null
   * @param statuses only those in these statuses ({@code PARKED}, {@code HELD}, {@code APPLIED},
   *     {@code SKIPPED}); empty for all
   * @param limit at most this many
   * @param offset after skipping this many
   * @return the dead letters
   */
  public List<ParkedEvent> search(
      @Nullable String projection, @Nullable String stream, @Nullable String errorContains, Collection<String> statuses,
      int limit, int offset) {
    return jdbi.withHandle(
        h ->
            filter(h.createQuery("SELECT * FROM " + sql.deadLetters + WHERE + " ORDER BY id DESC LIMIT :limit OFFSET :offset"),
                    projection, stream, errorContains, statuses)
                .bind("limit", limit)
                .bind("offset", offset)
                .map((rs, ctx) -> read(rs, new ProjectionSpec(rs.getString("name"), rs.getInt("version"), Set.of())))
                .list());
  }

  /**
   * Counts the dead letters {@link #search} finds, without paging.
   *
   * @param projection only this projection's (by name), or null
   * @param stream only this stream's, or null
   * @param errorContains only those whose error contains this text (any case), or null
   * @param statuses only those in these statuses; empty for all
   * @return the count
   */
  public long countMatching(
      @Nullable String projection, @Nullable String stream, @Nullable String errorContains, Collection<String> statuses) {
    return jdbi.withHandle(
        h ->
            filter(h.createQuery("SELECT count(*) FROM " + sql.deadLetters + WHERE), projection, stream, errorContains, statuses)
                .mapTo(Long.class)
                .one());
  }

  private static final String WHERE =
      " WHERE (CAST(:projection AS text) IS NULL OR name = :projection)"
          + " AND (CAST(:stream AS text) IS NULL OR stream_id = :stream)"
          + " AND (CAST(:error AS text) IS NULL OR strpos(lower(coalesce(error, '')), lower(:error)) > 0)"
          + " AND (cardinality(CAST(:statuses AS text[])) = 0 OR status = ANY(CAST(:statuses AS text[])))";

  private static org.jdbi.v3.core.statement.Query filter(
      org.jdbi.v3.core.statement.Query q, @Nullable String projection, @Nullable String stream, @Nullable String error,
      Collection<String> statuses) {
    return q.bind("projection", projection)
        .bind("stream", stream)
        .bind("error", error)
        .bind("statuses", statuses.toArray(new String[0]));
  }

  /**
   * Returns one dead letter of any projection, whatever its status.
   *
   * @param id its id
   * @return the dead letter, if any
   */
  public java.util.Optional<ParkedEvent> find(long id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM " + sql.deadLetters + " WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> read(rs, new ProjectionSpec(rs.getString("name"), rs.getInt("version"), Set.of())))
                .findOne());
  }

  private void resolve(Projection projection, long id, boolean apply) {
    requireNonNull(projection, "projection");
    ProjectionSpec spec = projection.spec();
    ReadModel model = new ReadModel(sql.schema, spec);
    RuntimeException failure =
        jdbi.inTransaction(
            h -> {
              Sql.lockVersion(h, spec, true);
              ParkedEvent parked =
                  h.createQuery(
                          "SELECT * FROM " + sql.deadLetters + " WHERE id = :id AND name = :name"
                              + " AND version = :version AND status = 'PARKED' FOR UPDATE")
                      .bind("id", id)
                      .bind("name", spec.name())
                      .bind("version", spec.version())
                      .map((rs, ctx) -> read(rs, spec))
                      .findOne()
                      .orElseThrow(() -> ProjectionException.of("projection " + spec + " has no parked event " + id));
              if (apply) {
                h.savepoint("cairn_retry");
                try {
                  RecordedEvent event = parked.event();
                  if (event == null) {
                    // A record not in Cairn's format: read it again, as a newer reader may. Such a
                    // dead letter was parked by parkRaw, with its topic and raw record.
                    event =
                        CairnRecords.toRecordedEvent(
                            RawRecords.toConsumerRecord(
                                requireNonNull(parked.topic(), "topic"), parked.partition(), parked.offset(),
                                requireNonNull(parked.raw(), "raw")));
                  }
                  if (parked.event() != null || Projections.handledTypes(projection, serializer).test(event.eventType())) {
                    BatchApplier.applyOne(projection, serializer, model, h, event);
                  }
                } catch (RuntimeException e) {
                  h.rollbackToSavepoint("cairn_retry");
                  markFailed(h, id, e);
                  return e;
                }
              }
              setStatus(h, id, apply ? "APPLIED" : "SKIPPED");
              if (parked.event() != null) {
                releaseHeld(h, projection, model, parked.event().streamId());
              }
              return null;
            });
    if (failure != null) {
      throw ProjectionException.of("retrying parked event " + id + " of " + spec + " failed again", failure);
    }
  }

  private void releaseHeld(Handle h, Projection projection, ReadModel model, String streamId) {
    ProjectionSpec spec = projection.spec();
    List<ParkedEvent> held =
        h.createQuery(
                "SELECT * FROM " + sql.deadLetters + " WHERE name = :name AND version = :version"
                    + " AND stream_id = :stream AND status = 'HELD' ORDER BY tx_id, position")
            .bind("name", spec.name())
            .bind("version", spec.version())
            .bind("stream", streamId)
            .map((rs, ctx) -> read(rs, spec))
            .list();
    for (ParkedEvent p : held) {
      h.savepoint("cairn_release");
      try {
        // Only park() holds events, and always whole ones (parkRaw never holds).
        BatchApplier.applyOne(projection, serializer, model, h, requireNonNull(p.event(), "held event"));
        h.releaseSavepoint("cairn_release");
        setStatus(h, p.id(), "APPLIED");
      } catch (RuntimeException e) {
        h.rollbackToSavepoint("cairn_release");
        LOG.warn("projection {}: held event {} of stream {} failed on release; parked", spec, p.id(), streamId, e);
        markFailed(h, p.id(), e);
        return; // the rest stay held behind it
      }
    }
  }

  private void setStatus(Handle h, long id, String status) {
    h.createUpdate("UPDATE " + sql.deadLetters + " SET status = :status, resolved_at = now() WHERE id = :id")
        .bind("status", status)
        .bind("id", id)
        .execute();
  }

  private void markFailed(Handle h, long id, Throwable e) {
    h.createUpdate(
            "UPDATE " + sql.deadLetters + " SET status = 'PARKED', attempts = attempts + 1, error = :error,"
                + " stack = :stack WHERE id = :id")
        .bind("error", String.valueOf(e))
        .bind("stack", stack(e))
        .bind("id", id)
        .execute();
  }

  /** Returns the streams among these that have open dead letters for the projection version. */
  Set<String> openStreams(Handle h, ProjectionSpec spec, Collection<String> streams) {
    if (streams.isEmpty()) {
      return new HashSet<>();
    }
    return new HashSet<>(
        h.createQuery(
                "SELECT DISTINCT stream_id FROM " + sql.deadLetters + " WHERE name = :name AND version = :version"
                    + " AND status IN ('PARKED', 'HELD') AND stream_id = ANY(:streams)")
            .bind("name", spec.name())
            .bind("version", spec.version())
            .bind("streams", streams.toArray(new String[0]))
            .mapTo(String.class)
            .list());
  }

  /** Parks (error given) or holds (error null) an event, in the batch's transaction. */
  void park(Handle h, ProjectionSpec spec, BatchApplier.Item item, @Nullable Throwable error, int attempts) {
    RecordedEvent e = item.event();
    h.createUpdate(
            "INSERT INTO " + sql.deadLetters + " (name, version, status, event_id, stream_id, stream_type,"
                + " stream_version, tx_id, position, recorded_at, event_type, schema_revision, payload, metadata,"
                + " topic, partition, kafka_offset, error, stack, attempts) VALUES (:name, :version, :status,"
                + " :eventId, :streamId, :streamType, :streamVersion, :txId, :position, :recordedAt, :eventType,"
                + " :revision, :payload, :metadata, :topic, :partition, :offset, :error, :stack, :attempts)"
                + " ON CONFLICT (name, version, event_id) DO UPDATE SET status = excluded.status,"
                + " error = excluded.error, stack = excluded.stack, attempts = excluded.attempts,"
                + " parked_at = now(), resolved_at = NULL")
        .bind("name", spec.name())
        .bind("version", spec.version())
        .bind("status", error == null ? "HELD" : "PARKED")
        .bind("eventId", e.eventId())
        .bind("streamId", e.streamId())
        .bind("streamType", e.streamType())
        .bind("streamVersion", e.version())
        .bind("txId", e.position().txId())
        .bind("position", e.position().position())
        .bind("recordedAt", OffsetDateTime.ofInstant(e.recordedAt(), ZoneOffset.UTC))
        .bind("eventType", e.eventType())
        .bind("revision", e.schemaRevision())
        .bind("payload", e.payload())
        .bind("metadata", writeMetadata(e.metadata()))
        .bind("topic", item.topic())
        .bind("partition", item.topic() == null ? null : item.partition())
        .bind("offset", item.topic() == null ? null : item.offset())
        .bind("error", error == null ? null : String.valueOf(error))
        .bind("stack", error == null ? null : stack(error))
        .bind("attempts", attempts)
        .execute();
  }

  /**
   * Parks a Kafka record that is not in Cairn's format, in the batch's transaction, with its
   * coordinates and raw key, headers and value.
   */
  void parkRaw(Handle h, ProjectionSpec spec, ConsumerRecord<String, byte[]> r, Throwable error) {
    h.createUpdate(
            "INSERT INTO " + sql.deadLetters + " (name, version, status, topic, partition, kafka_offset, raw_key,"
                + " raw_headers, raw_value, error, stack, attempts) VALUES (:name, :version, 'PARKED', :topic,"
                + " :partition, :offset, :key, :headers, :value, :error, :stack, 1)"
                + " ON CONFLICT (name, version, topic, partition, kafka_offset) WHERE event_id IS NULL DO NOTHING")
        .bind("name", spec.name())
        .bind("version", spec.version())
        .bind("topic", r.topic())
        .bind("partition", r.partition())
        .bind("offset", r.offset())
        .bind("key", r.key())
        .bind("headers", RawRecords.headersJson(r))
        .bind("value", r.value())
        .bind("error", String.valueOf(error))
        .bind("stack", stack(error))
        .execute();
  }

  private static ParkedEvent read(ResultSet rs, ProjectionSpec spec) throws SQLException {
    UUID eventId = rs.getObject("event_id", UUID.class);
    RecordedEvent event =
        eventId == null
            ? null
            : new RecordedEvent(
                eventId,
                rs.getString("stream_id"),
                rs.getString("stream_type"),
                rs.getLong("stream_version"),
                new GlobalPosition(rs.getLong("tx_id"), rs.getLong("position")),
                rs.getObject("recorded_at", OffsetDateTime.class).toInstant(),
                rs.getString("event_type"),
                rs.getInt("schema_revision"),
                rs.getString("payload"),
                readMetadata(rs.getString("metadata")));
    String topic = rs.getString("topic");
    return new ParkedEvent(
        rs.getLong("id"),
        spec.toString(),
        rs.getString("status"),
        event,
        topic,
        topic == null ? -1 : rs.getInt("partition"),
        topic == null ? -1 : rs.getLong("kafka_offset"),
        rs.getString("error"),
        rs.getString("stack"),
        rs.getInt("attempts"),
        rs.getObject("parked_at", OffsetDateTime.class).toInstant(),
        eventId == null
            ? new RawRecord(rs.getString("raw_key"), RawRecords.headers(rs.getString("raw_headers")), rs.getBytes("raw_value"))
            : null);
  }

  private static String writeMetadata(EventMetadata metadata) {
    try {
      return JSON.writeValueAsString(metadata);
    } catch (JsonProcessingException e) {
      throw ProjectionException.of("writing metadata " + metadata, e);
    }
  }

  private static EventMetadata readMetadata(String json) {
    try {
      return JSON.readValue(json, EventMetadata.class);
    } catch (JsonProcessingException e) {
      throw ProjectionException.of("reading metadata " + json, e);
    }
  }

  static String stack(Throwable e) {
    StringWriter out = new StringWriter();
    e.printStackTrace(new PrintWriter(out));
    String s = out.toString();
    return s.length() > 16_000 ? s.substring(0, 16_000) : s;
  }
}
