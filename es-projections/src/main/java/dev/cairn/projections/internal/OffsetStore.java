package dev.cairn.projections.internal;

import dev.cairn.api.GlobalPosition;
import dev.cairn.projections.ProjectionSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of a Kafka runner's {@code projection_offsets} rows: per partition, the next offset, the
 * last global position, and the (generation, owner) every commit compares and sets.
 */
public final class OffsetStore {

  /** Thrown in a batch's transaction when the runner no longer holds a partition of the batch. */
  public static final class Rejected extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Rejected(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * A partition's row as a claim returned it; {@code seekFrom} is set when the row has no offset
   * yet but a last position (copied from a store-fed runner's checkpoint): the instant from which
   * to look for that position's successors in the partition, the margin already subtracted.
   */
  record Claimed(long generation, long nextOffset, GlobalPosition last, @Nullable Instant seekFrom) {}

  /** A partition's row as read. */
  record Row(long generation, String owner, long nextOffset, GlobalPosition last) {}

  /** A partition's generation as read. */
  record Generation(TopicPartition partition, long generation) {}

  /** A partition held at a generation. */
  public record Held(TopicPartition partition, long generation) {}

  /** A partition's offset and last position to set, if it is still held at the generation. */
  public record Move(TopicPartition partition, long nextOffset, GlobalPosition last, long generation) {}

  private static final String CLAIM =
      """
      INSERT INTO %1$s AS o (name, version, topic, partition, next_offset, last_tx_id, last_position, generation, owner)
      SELECT :name, :version, :topic, :partition, -1, coalesce(c.tx_id, 0), coalesce(c.position, 0), 1, :owner
      FROM (SELECT 1) x LEFT JOIN %2$s c ON c.name = :name AND c.version = :version
      ON CONFLICT (name, version, topic, partition) DO UPDATE
      SET generation = o.generation + 1, owner = :owner, updated_at = now()
      WHERE o.owner <> :retired
      RETURNING o.generation, o.next_offset, o.last_tx_id, o.last_position, %3$s""";

  /**
   * The version's status, read under a share lock: a switch that retires the version updates this
   * row first, so a claim and a switch are serialised. A claim that runs first commits its row
   * before the switch fences the version's rows (and the fence then covers it); a claim that runs
   * after finds the version retired.
   */
  private static final String VERSION_STATUS =
      "SELECT status FROM %s WHERE name = :name AND version = :version FOR SHARE";

  /** When the checkpoint's event was recorded, if a claim copied a store-fed checkpoint. */
  private static final String RECORDED_AT =
      """
      (SELECT e.recorded_at FROM %s e
       WHERE o.next_offset < 0 AND o.last_position > 0 AND e.global_position = o.last_position)""";

  /** A read side has no store, hence no store-fed checkpoint to take over: nothing to look up. */
  private static final String NO_RECORDED_AT = "NULL::timestamptz";

  /**
   * Fences a store-fed runner of the version: its checkpoint gets a new generation and the
   * handed-over owner, so its next batch finds it taken and it stops. Run in the claim's
   * transaction before the claim copies the checkpoint; it waits for a batch in flight (which
   * holds the checkpoint row), so the copy sees that batch's checkpoint.
   */
  private static final String FENCE_STORE_RUNNER =
      """
      UPDATE %s SET generation = generation + 1, owner = :handedOver, updated_at = now()
      WHERE name = :name AND version = :version AND owner NOT IN (:retired, :handedOver)""";

  private static final String READ =
      """
      SELECT generation, owner, next_offset, last_tx_id, last_position FROM %s
      WHERE name = :name AND version = :version AND topic = :topic AND partition = :partition""";

  private static final String GENERATIONS =
      "SELECT topic, partition, generation FROM %s WHERE name = :name AND version = :version";

  private static final String HELD =
      """
      SELECT count(*) FROM %s o JOIN unnest(:topics, :partitions, :generations)
      AS u(topic, partition, generation) ON o.topic = u.topic AND o.partition = u.partition
      AND o.generation = u.generation WHERE o.name = :name AND o.version = :version AND o.owner = :owner""";

  private static final String MOVE =
      """
      UPDATE %s o SET next_offset = u.next, last_tx_id = u.tx, last_position = u.pos, updated_at = now()
      FROM unnest(:topics, :partitions, :nexts, :txs, :poss, :generations)
      AS u(topic, partition, next, tx, pos, generation) WHERE o.name = :name AND o.version = :version
      AND o.topic = u.topic AND o.partition = u.partition AND o.generation = u.generation
      AND o.owner = :owner""";

  private static final String RESET =
      """
      INSERT INTO %s AS o (name, version, topic, partition, next_offset, last_tx_id, last_position, generation, owner)
      VALUES (:name, :version, :topic, :partition, :next, 0, 0, 1, :replay)
      ON CONFLICT (name, version, topic, partition) DO UPDATE
      SET next_offset = :next, last_tx_id = 0, last_position = 0, generation = o.generation + 1, updated_at = now()""";

  private final Jdbi jdbi;
  private final String offsets;
  private final String checkpoints;
  private final ProjectionSpec spec;
  private final String owner;
  private final String retiredOwner;
  private final String replayOwner;
  private final @Nullable String events;
  private final String handedOverOwner;
  private final Duration handoverMargin;
  private final String versions;

  /**
   * Binds the statements to one runner of a projection version.
   *
   * @param jdbi the database
   * @param offsets the qualified offsets table
   * @param checkpoints the qualified checkpoints table (a new row starts at the version's checkpoint)
   * @param spec the projection version
   * @param owner the runner's id
   * @param retiredOwner the owner a retired version's rows carry: they cannot be claimed
   * @param replayOwner the owner a replay writes
   * @param events the qualified events table of the store (to find when a checkpoint's event was
   *     recorded); null on a read side, whose database holds no store
   * @param handedOverOwner the owner a claim writes on a store-fed runner's checkpoint to fence it
   * @param handoverMargin how far before the checkpoint's event a first read of a partition starts
   * @param versions the qualified projection versions table (a retired version claims nothing)
   */
  public OffsetStore(
      Jdbi jdbi, String offsets, String checkpoints, ProjectionSpec spec, String owner, String retiredOwner,
      String replayOwner, @Nullable String events, String handedOverOwner, Duration handoverMargin, String versions) {
    this.jdbi = jdbi;
    this.offsets = offsets;
    this.checkpoints = checkpoints;
    this.spec = spec;
    this.owner = owner;
    this.retiredOwner = retiredOwner;
    this.replayOwner = replayOwner;
    this.events = events;
    this.handedOverOwner = handedOverOwner;
    this.handoverMargin = handoverMargin;
    this.versions = versions;
  }

  /** Returns the owner a retired version's rows carry. */
  String retiredOwner() {
    return retiredOwner;
  }

  /** Returns the owner a replay writes. */
  String replayOwner() {
    return replayOwner;
  }

  /** Returns the runner's id. */
  String owner() {
    return owner;
  }

  /** Takes a partition's row (creating it, or bumping its generation); empty if the version is retired. */
  Optional<Claimed> claim(Handle h, TopicPartition tp) {
    // A partition the version never held has no row for a switch to fence: without this check, a
    // runner whose first assignment came after its version was retired would insert one and run on.
    boolean retiredVersion =
        h.createQuery(VERSION_STATUS.formatted(versions))
            .bind("name", spec.name())
            .bind("version", spec.version())
            .mapTo(String.class)
            .findOne()
            .map("RETIRED"::equals)
            .orElse(false);
    if (retiredVersion) {
      return Optional.empty();
    }
    h.createUpdate(FENCE_STORE_RUNNER.formatted(checkpoints))
        .bind("name", spec.name())
        .bind("version", spec.version())
        .bind("retired", retiredOwner)
        .bind("handedOver", handedOverOwner)
        .execute();
    String recordedAt = events == null ? NO_RECORDED_AT : RECORDED_AT.formatted(events);
    return h.createQuery(CLAIM.formatted(offsets, checkpoints, recordedAt))
        .bind("name", spec.name())
        .bind("version", spec.version())
        .bind("topic", tp.topic())
        .bind("partition", tp.partition())
        .bind("owner", owner)
        .bind("retired", retiredOwner)
        .map(
            (rs, ctx) -> {
              OffsetDateTime recorded = rs.getObject(5, OffsetDateTime.class);
              Instant seekFrom = recorded == null ? null : recorded.toInstant().minus(handoverMargin);
              return new Claimed(rs.getLong(1), rs.getLong(2), new GlobalPosition(rs.getLong(3), rs.getLong(4)), seekFrom);
            })
        .findOne();
  }

  /** Runs work in one transaction. */
  <T> T inTransaction(Function<Handle, T> work) {
    return jdbi.inTransaction(work::apply);
  }

  /** Reads a partition's row. */
  Optional<Row> read(TopicPartition tp) {
    return jdbi.withHandle(
        h ->
            h.createQuery(READ.formatted(offsets))
                .bind("name", spec.name())
                .bind("version", spec.version())
                .bind("topic", tp.topic())
                .bind("partition", tp.partition())
                .map((rs, ctx) -> new Row(rs.getLong(1), rs.getString(2), rs.getLong(3), new GlobalPosition(rs.getLong(4), rs.getLong(5))))
                .findOne());
  }

  /** Reads the generation of every partition of the version. */
  List<Generation> generations() {
    return jdbi.withHandle(
        h ->
            h.createQuery(GENERATIONS.formatted(offsets))
                .bind("name", spec.name())
                .bind("version", spec.version())
                .map((rs, ctx) -> new Generation(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3)))
                .list());
  }

  /**
   * Checks, without locking, that this runner still holds partitions at the generations it took
   * them: a zombie then wastes no work, and never applies to the tables of a retired version that
   * are being dropped. The compare-and-set at the end of a batch stays the guarantee.
   *
   * @param h the batch's transaction
   * @param held the partitions and generations
   * @throws Rejected if it does not hold them all
   */
  public void requireHeld(Handle h, Collection<Held> held) {
    List<Held> list = new ArrayList<>(held);
    String[] topicNames = new String[list.size()];
    Integer[] numbers = new Integer[list.size()];
    Long[] generations = new Long[list.size()];
    for (int i = 0; i < list.size(); i++) {
      topicNames[i] = list.get(i).partition().topic();
      numbers[i] = list.get(i).partition().partition();
      generations[i] = list.get(i).generation();
    }
    long count =
        h.createQuery(HELD.formatted(offsets))
            .bind("topics", topicNames)
            .bind("partitions", numbers)
            .bind("generations", generations)
            .bind("name", spec.name())
            .bind("version", spec.version())
            .bind("owner", owner)
            .mapTo(Long.class)
            .one();
    if (count != list.size()) {
      throw new Rejected("holds " + count + " of " + list.size() + " partitions of the batch");
    }
  }

  /**
   * Moves the offsets of a batch's partitions in one statement (the batch's transaction holds a
   * transaction id from its first write to its commit, and with it the store's global-order
   * fence, so it takes as few round trips as it can), each only if this runner still holds the
   * partition at the generation it took.
   *
   * @param h the batch's transaction
   * @param moves the moves
   * @throws Rejected if a partition did not move
   */
  public void move(Handle h, List<Move> moves) {
    int n = moves.size();
    if (n == 0) {
      return;
    }
    String[] topicNames = new String[n];
    Integer[] numbers = new Integer[n];
    Long[] nexts = new Long[n];
    Long[] txIds = new Long[n];
    Long[] positions = new Long[n];
    Long[] generations = new Long[n];
    for (int i = 0; i < n; i++) {
      Move m = moves.get(i);
      topicNames[i] = m.partition().topic();
      numbers[i] = m.partition().partition();
      nexts[i] = m.nextOffset();
      txIds[i] = m.last().txId();
      positions[i] = m.last().position();
      generations[i] = m.generation();
    }
    int moved =
        h.createUpdate(MOVE.formatted(offsets))
            .bind("topics", topicNames)
            .bind("partitions", numbers)
            .bind("nexts", nexts)
            .bind("txs", txIds)
            .bind("poss", positions)
            .bind("generations", generations)
            .bind("name", spec.name())
            .bind("version", spec.version())
            .bind("owner", owner)
            .execute();
    if (moved != n) {
      throw new Rejected(
          "holds " + moved + " of the " + n + " partitions " + moves.stream().map(Move::partition).toList()
              + " at the generations it took");
    }
  }

  /**
   * Resets partitions' rows for a replay: each gets its next offset, no last position, the replay
   * owner and a new generation.
   *
   * @param h the transaction (which holds the version's exclusive lock)
   * @param next the next offset per partition, -1 for the beginning
   */
  public void reset(Handle h, Map<TopicPartition, Long> next) {
    for (Map.Entry<TopicPartition, Long> e : next.entrySet()) {
      h.createUpdate(RESET.formatted(offsets))
          .bind("name", spec.name())
          .bind("version", spec.version())
          .bind("topic", e.getKey().topic())
          .bind("partition", e.getKey().partition())
          .bind("next", e.getValue())
          .bind("replay", replayOwner)
          .execute();
    }
  }
}
