package dev.cairn.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ChecksTest {

  @ParameterizedTest
  @ValueSource(strings = {"order-42", "a", "tenant/7:order 42", "Ünïcödé-ßtream"})
  void streamId_wellFormed_isReturned(String streamId) {
    assertThat(Checks.streamId(streamId)).isSameAs(streamId);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {" ", "\t \n"})
  void streamId_blank_isRejected(String streamId) {
    assertThatThrownBy(() -> Checks.streamId(streamId))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stream id")
        .hasMessageContaining("blank");
  }

  @Test
  void streamId_ofMaximumLength_isAccepted() {
    String longest = "x".repeat(Checks.MAX_STREAM_ID_LENGTH);

    assertThat(Checks.streamId(longest)).isSameAs(longest);
  }

  @Test
  void streamId_longerThanMaximum_isRejected() {
    String tooLong = "y".repeat(Checks.MAX_STREAM_ID_LENGTH + 1);

    assertThatThrownBy(() -> Checks.streamId(tooLong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 200")
        .hasMessageContaining("was 201");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"order\n42", "order\u000042", "order\u001b[31m42", "order\u007f", "order\u0085"})
  void streamId_withControlCharacter_isRejected(String streamId) {
    assertThatThrownBy(() -> Checks.streamId(streamId))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("control characters")
        // The message must not carry the control character itself into logs.
        .hasMessageNotContaining(streamId)
        .hasMessageContaining("order?");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Order", "order.v2", "order_line-item", "A"})
  void streamType_wellFormed_isReturned(String streamType) {
    assertThat(Checks.streamType(streamType)).isSameAs(streamType);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"1order", "_order", "order type", "order/line", "order:v2", "Ördér"})
  void streamType_malformed_isRejected(String streamType) {
    assertThatThrownBy(() -> Checks.streamType(streamType))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stream type")
        .hasMessageContaining("'" + streamType + "'");
  }

  @Test
  void streamType_longerThanHundredCharacters_isRejected() {
    assertThat(Checks.streamType("T".repeat(100))).hasSize(100);
    assertThatThrownBy(() -> Checks.streamType("T".repeat(101)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"cairn", "_private", "events_v2", "a1"})
  void sqlIdentifier_wellFormed_isReturned(String identifier) {
    assertThat(Checks.sqlIdentifier("schema", identifier)).isSameAs(identifier);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "Robert'); DROP TABLE x;--",
        "Cairn",
        "cairnEvents",
        "1events",
        "cairn-events",
        "cairn.events",
        "\"cairn\"",
        "cairn events",
        "caírn"
      })
  void sqlIdentifier_malformed_isRejected(String identifier) {
    assertThatThrownBy(() -> Checks.sqlIdentifier("table prefix", identifier))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("table prefix must match")
        .hasMessageContaining("'" + identifier + "'");
  }

  @Test
  void sqlIdentifier_longerThan48Characters_isRejected() {
    assertThat(Checks.sqlIdentifier("schema", "s".repeat(48))).hasSize(48);
    assertThatThrownBy(() -> Checks.sqlIdentifier("schema", "s".repeat(49)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 48");
  }

  @Test
  void version_zeroOrPositive_isReturned() {
    assertThat(Checks.version("expected version", 0)).isZero();
    assertThat(Checks.version("expected version", Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void version_negative_isRejected() {
    assertThatThrownBy(() -> Checks.version("expected version of stream order-1", -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected version of stream order-1 must be >= 0 but was -1");
  }

  @Test
  void positive_zeroOrNegative_isRejected() {
    assertThat(Checks.positive("batch size", 1)).isEqualTo(1);
    assertThatThrownBy(() -> Checks.positive("batch size", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batch size must be > 0 but was 0");
  }

  @Test
  void positiveDuration_zeroNegativeOrNull_isRejected() {
    assertThat(Checks.positive("poll interval", java.time.Duration.ofMillis(1))).isEqualTo(java.time.Duration.ofMillis(1));
    assertThatThrownBy(() -> Checks.positive("poll interval", java.time.Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("poll interval must be > 0 but was PT0S");
    assertThatThrownBy(() -> Checks.positive("poll interval", java.time.Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("poll interval must be > 0 but was PT-1S");
    assertThatThrownBy(() -> Checks.positive("poll interval", (java.time.Duration) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("poll interval");
  }

  @Test
  void notNegativeDuration_zeroIsAccepted_negativeOrNullIsRejected() {
    assertThat(Checks.notNegative("handover margin", java.time.Duration.ZERO)).isZero();
    assertThatThrownBy(() -> Checks.notNegative("handover margin", java.time.Duration.ofMillis(-5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("handover margin must be >= 0 but was PT-0.005S");
    assertThatThrownBy(() -> Checks.notNegative("handover margin", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("handover margin");
  }

  @Test
  void durationBetween_outsideItsBounds_isRejected_namingTheValueAndTheBounds() {
    java.time.Duration second = java.time.Duration.ofSeconds(1);
    assertThat(Checks.between("linger", java.time.Duration.ZERO, java.time.Duration.ZERO, second)).isZero();
    assertThat(Checks.between("linger", second, java.time.Duration.ZERO, second)).isEqualTo(second);
    assertThatThrownBy(() -> Checks.between("linger", java.time.Duration.ofMillis(-1), java.time.Duration.ZERO, second))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("linger must be between 0 and 1 s but was PT-0.001S");
    assertThatThrownBy(() -> Checks.between("linger", java.time.Duration.ofMillis(1001), java.time.Duration.ZERO, second))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("linger must be between 0 and 1 s but was PT1.001S");
    assertThatThrownBy(
            () -> Checks.between("wait", java.time.Duration.ofMillis(1), java.time.Duration.ofMillis(5), java.time.Duration.ofMillis(1500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("wait must be between 5 ms and PT1.5S but was PT0.001S");
    assertThatThrownBy(() -> Checks.between("linger", null, java.time.Duration.ZERO, second))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("linger");
  }
}
