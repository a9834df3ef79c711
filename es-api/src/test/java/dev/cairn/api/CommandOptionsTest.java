package dev.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommandOptionsTest {

  private static final UUID COMMAND_ID = UUID.fromString("00000000-0000-0000-0000-0000000000c1");

  @Test
  void defaults_haveAFreshIdNoKeyAndNoMetadata() {
    CommandOptions first = CommandOptions.defaults();
    CommandOptions second = CommandOptions.defaults();

    assertThat(first.commandId()).isNotEqualTo(second.commandId());
    assertThat(first.idempotencyKey()).isNull();
    assertThat(first.metadata()).isEqualTo(EventMetadata.EMPTY);
  }

  @Test
  void constructor_withNullMetadata_usesEmptyMetadata() {
    assertThat(new CommandOptions(COMMAND_ID, null, null).metadata())
        .isEqualTo(EventMetadata.EMPTY);
  }

  @Test
  void constructor_withNullCommandId_isRejected() {
    assertThatThrownBy(() -> new CommandOptions(null, "key", EventMetadata.EMPTY))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("commandId");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t"})
  void idempotencyKey_blank_isRejected(String key) {
    assertThatThrownBy(() -> CommandOptions.idempotencyKey(key))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("idempotency key")
        .hasMessageContaining("'" + key + "'");
  }

  @Test
  void idempotencyKey_ofMaximumLength_isAccepted() {
    String longest = "k".repeat(CommandOptions.MAX_KEY_LENGTH);

    assertThat(CommandOptions.idempotencyKey(longest).idempotencyKey()).isEqualTo(longest);
  }

  @Test
  void idempotencyKey_longerThanMaximum_isRejected() {
    String tooLong = "k".repeat(CommandOptions.MAX_KEY_LENGTH + 1);

    assertThatThrownBy(() -> CommandOptions.idempotencyKey(tooLong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 to 200");
    assertThatThrownBy(() -> CommandOptions.defaults().withIdempotencyKey(tooLong))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void idempotencyKey_null_isRejected() {
    assertThatThrownBy(() -> CommandOptions.idempotencyKey(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("key");
  }

  @Test
  void withIdempotencyKey_null_removesTheKey() {
    assertThat(CommandOptions.idempotencyKey("k").withIdempotencyKey(null).idempotencyKey())
        .isNull();
  }

  @Test
  void eventMetadata_withoutCorrelationId_usesTheCommandIdForBoth() {
    EventMetadata metadata =
        new CommandOptions(COMMAND_ID, null, EventMetadata.EMPTY.withTenant("acme"))
            .eventMetadata();

    assertThat(metadata.causationId()).isEqualTo(COMMAND_ID.toString());
    assertThat(metadata.correlationId()).isEqualTo(COMMAND_ID.toString());
    assertThat(metadata.tenant()).isEqualTo("acme");
  }

  @Test
  void eventMetadata_withCorrelationId_keepsIt() {
    EventMetadata given =
        EventMetadata.EMPTY.withCorrelationId("request-9").withUser("ada").with("channel", "web");

    EventMetadata metadata = new CommandOptions(COMMAND_ID, "k", given).eventMetadata();

    assertThat(metadata.correlationId()).isEqualTo("request-9");
    assertThat(metadata.causationId()).isEqualTo(COMMAND_ID.toString());
    assertThat(metadata.user()).isEqualTo("ada");
    assertThat(metadata.extra()).containsEntry("channel", "web");
  }

  @Test
  void eventMetadata_replacesAGivenCausationIdWithTheCommandId() {
    // The command is what caused its events, whatever caused the command.
    EventMetadata given = EventMetadata.EMPTY.withCausationId("upstream-event");

    EventMetadata metadata = new CommandOptions(COMMAND_ID, null, given).eventMetadata();

    assertThat(metadata.causationId()).isEqualTo(COMMAND_ID.toString());
  }

  @Test
  void withCommandId_changesOnlyTheId() {
    CommandOptions original = CommandOptions.idempotencyKey("k");
    CommandOptions changed = original.withCommandId(COMMAND_ID);

    assertThat(changed.commandId()).isEqualTo(COMMAND_ID);
    assertThat(changed.idempotencyKey()).isEqualTo("k");
    assertThat(original.commandId()).isNotEqualTo(COMMAND_ID);
  }
}
