package dev.cairn.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.api.CommandOptions;
import dev.cairn.api.CommandResult;
import dev.cairn.api.Decider;
import dev.cairn.api.IdempotencyKeyReusedException;
import dev.cairn.store.jdbc.Accounts.Account;
import dev.cairn.store.jdbc.Accounts.AccountDecider;
import dev.cairn.store.jdbc.Accounts.Deposited;
import dev.cairn.store.jdbc.Accounts.Event;
import dev.cairn.store.jdbc.internal.IdempotencyKeys;
import dev.cairn.testkit.PostgresExtension;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.DayOfWeek;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Idempotency keys match re-sent commands by content, not by {@code toString} (defect 10). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IdempotencyFingerprintTest {

  @RegisterExtension static final PostgresExtension pg = new PostgresExtension();
  static JdbcEventStore store;
  static JdbcAggregateRepository<FileCommand, Account, Event> files;

  sealed interface FileCommand permits Attach, SetSecret, Tag, Note, Label, Unlabel {}

  /** A record with an array component: its toString shows the array's identity, not its bytes. */
  record Attach(String name, byte[] content) implements FileCommand {}

  /** A record whose toString hides its content. */
  record SetSecret(String secret) implements FileCommand {
    @Override
    public String toString() {
      return "SetSecret[secret=***]";
    }
  }

  record Tag(Set<String> tags, Map<String, Integer> weights, Instant at) implements FileCommand {}

  record Note(Optional<String> text, Set<DayOfWeek> days) implements FileCommand {}

  record Label(String text) implements FileCommand {}

  record Unlabel(String text) implements FileCommand {}

  /** Two deploys of one command: the class moved to another outer class (or package). */
  static final class Before {
    record Rename(String to) {}
  }

  static final class After {
    record Rename(String to) {}
  }

  static final class FileDecider implements Decider<FileCommand, Account, Event> {
    private final AccountDecider accounts = new AccountDecider();

    @Override
    public Account initialState() {
      return Account.NONE;
    }

    @Override
    public List<Event> decide(FileCommand c, Account s) {
      long amount =
          c instanceof Attach a ? a.content().length : c instanceof SetSecret p ? p.secret().length() : 1;
      return List.of(new Deposited(amount));
    }

    @Override
    public Account evolve(Account s, Event e) {
      return accounts.evolve(s, e);
    }
  }

  @BeforeAll
  static void setUp() {
    store = StoreTestSupport.migratedStore(pg.dataSource());
    files = store.repository("file", new FileDecider()).serializer(Accounts.serializer()).build();
  }

  @Test
  void commandWithAnArrayComponent_resentAsAnEqualNewInstance_isAnsweredAsTheFirstTime() {
    CommandResult<Event> first =
        files.handle("file-1", new Attach("a.txt", new byte[] {1, 2, 3}), CommandOptions.idempotencyKey("att-1"));
    CommandResult<Event> again =
        files.handle("file-1", new Attach("a.txt", new byte[] {1, 2, 3}), CommandOptions.idempotencyKey("att-1"));

    assertThat(again.duplicate()).isTrue();
    assertThat(again.version()).isEqualTo(first.version()).isEqualTo(1);
    assertThat(again.events().get(0).eventId()).isEqualTo(first.events().get(0).eventId());
    assertThatThrownBy(
            () -> files.handle("file-1", new Attach("a.txt", new byte[] {9}), CommandOptions.idempotencyKey("att-1")))
        .isInstanceOf(IdempotencyKeyReusedException.class)
        .hasMessageContaining("for a different command");
    assertThat(store.streamVersion("file-1")).isEqualTo(1);
  }

  @Test
  void commandWhoseToStringRedacts_resentWithOtherContent_isRejectedAsReuse() {
    files.handle("file-2", new SetSecret("hunter2"), CommandOptions.idempotencyKey("pw-2"));

    assertThatThrownBy(() -> files.handle("file-2", new SetSecret("s3cr3t!"), CommandOptions.idempotencyKey("pw-2")))
        .isInstanceOf(IdempotencyKeyReusedException.class)
        .hasMessageContaining("for a different command");
    assertThat(files.handle("file-2", new SetSecret("hunter2"), CommandOptions.idempotencyKey("pw-2")).duplicate())
        .isTrue();
    assertThat(store.streamVersion("file-2")).isEqualTo(1);
  }

  @Test
  void twoKindsOfCommand_withEqualComponents_differ() {
    files.handle("file-3", new Label("x"), CommandOptions.idempotencyKey("lbl-3"));

    assertThatThrownBy(() -> files.handle("file-3", new Unlabel("x"), CommandOptions.idempotencyKey("lbl-3")))
        .isInstanceOf(IdempotencyKeyReusedException.class);
  }

  @Test
  void fingerprint_isTheContent_notTheIterationOrderNorTheClassesPackage() {
    Set<String> ab = new LinkedHashSet<>(List.of("a", "b"));
    Set<String> ba = new LinkedHashSet<>(List.of("b", "a"));
    Map<String, Integer> xy = new LinkedHashMap<>();
    xy.put("x", 1);
    xy.put("y", 2);
    Map<String, Integer> yx = new LinkedHashMap<>();
    yx.put("y", 2);
    yx.put("x", 1);
    Instant at = Instant.parse("2026-12-01T10:15:30Z");

    assertThat(IdempotencyKeys.fingerprint(new Tag(ab, xy, at))).isEqualTo(IdempotencyKeys.fingerprint(new Tag(ba, yx, at)));
    assertThat(IdempotencyKeys.fingerprint(new Tag(ab, xy, at)))
        .isNotEqualTo(IdempotencyKeys.fingerprint(new Tag(Set.of("a"), xy, at)));
    assertThat(IdempotencyKeys.fingerprint(new Before.Rename("b")))
        .isEqualTo(IdempotencyKeys.fingerprint(new After.Rename("b")))
        .isNotEqualTo(IdempotencyKeys.fingerprint(new After.Rename("c")))
        .startsWith("v2:");
    // Enums hash by identity, so a HashSet of them iterates in another order in another JVM run.
    assertThat(IdempotencyKeys.fingerprint(new Note(Optional.of("n"), EnumSet.of(DayOfWeek.MONDAY, DayOfWeek.TUESDAY))))
        .isEqualTo(
            IdempotencyKeys.fingerprint(
                new Note(Optional.of("n"), new LinkedHashSet<>(List.of(DayOfWeek.TUESDAY, DayOfWeek.MONDAY)))))
        .isNotEqualTo(IdempotencyKeys.fingerprint(new Note(Optional.empty(), EnumSet.of(DayOfWeek.MONDAY, DayOfWeek.TUESDAY))));
  }

  @Test
  void keyRecordedByTheToStringFingerprint_beforeTheUpgrade_stillMatchesTheSameCommand() {
    // As version 1 recorded it: SHA-256 of the class name, a zero byte and toString, unprefixed.
    Label label = new Label("old");
    CommandResult<Event> first = files.handle("file-4", label);
    recordKey("legacy-4", "file-4", legacyFingerprint(label), 1, 1);

    CommandResult<Event> again = files.handle("file-4", new Label("old"), CommandOptions.idempotencyKey("legacy-4"));

    assertThat(again.duplicate()).isTrue();
    assertThat(again.events().get(0).eventId()).isEqualTo(first.events().get(0).eventId());
    assertThatThrownBy(() -> files.handle("file-4", new Label("new"), CommandOptions.idempotencyKey("legacy-4")))
        .isInstanceOf(IdempotencyKeyReusedException.class);
    assertThat(store.streamVersion("file-4")).isEqualTo(1);
  }

  private static String legacyFingerprint(Object command) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(command.getClass().getName().getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(command.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void recordKey(String key, String stream, String hash, long from, long to) {
    pg.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        "INSERT INTO idempotency_keys (idempotency_key, stream_id, command_hash, from_version, to_version)"
                            + " VALUES (:k, :s, :h, :f, :t)")
                    .bind("k", key)
                    .bind("s", stream)
                    .bind("h", hash)
                    .bind("f", from)
                    .bind("t", to)
                    .execute());
  }

}
