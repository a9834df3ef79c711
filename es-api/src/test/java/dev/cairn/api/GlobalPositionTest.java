package dev.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class GlobalPositionTest {

  @Test
  void compareTo_ordersByTransactionBeforePosition() {
    // A later transaction may hold a lower identity value; it still comes after.
    var earlierTxHigherPosition = new GlobalPosition(10, 900);
    var laterTxLowerPosition = new GlobalPosition(11, 5);
    var laterTxHigherPosition = new GlobalPosition(11, 6);

    List<GlobalPosition> positions =
        new ArrayList<>(
            List.of(laterTxHigherPosition, earlierTxHigherPosition, laterTxLowerPosition));
    Collections.sort(positions);

    assertThat(positions)
        .containsExactly(earlierTxHigherPosition, laterTxLowerPosition, laterTxHigherPosition);
    assertThat(laterTxLowerPosition.isAfter(earlierTxHigherPosition)).isTrue();
    assertThat(earlierTxHigherPosition.isAfter(laterTxLowerPosition)).isFalse();
  }

  @Test
  void isAfter_ofEqualPosition_isFalse() {
    assertThat(new GlobalPosition(3, 4).isAfter(new GlobalPosition(3, 4))).isFalse();
    assertThat(new GlobalPosition(3, 4).compareTo(new GlobalPosition(3, 4))).isZero();
  }

  @Test
  void start_comesBeforeEveryOtherPosition() {
    assertThat(new GlobalPosition(0, 1).isAfter(GlobalPosition.START)).isTrue();
    assertThat(new GlobalPosition(1, 0).isAfter(GlobalPosition.START)).isTrue();
  }

  @Test
  void parse_ofToString_returnsEqualPosition() {
    var position = new GlobalPosition(Long.MAX_VALUE, 42);

    assertThat(position.toString()).isEqualTo(Long.MAX_VALUE + "/42");
    assertThat(GlobalPosition.parse(position.toString())).isEqualTo(position);
    assertThat(GlobalPosition.parse("0/0")).isEqualTo(GlobalPosition.START);
  }

  @Test
  void constructor_withNegativeComponent_isRejected() {
    assertThatThrownBy(() -> new GlobalPosition(-1, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("txId=-1");
    assertThatThrownBy(() -> new GlobalPosition(5, -2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("position=-2");
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "12", "/5", "5/", "a/b", "1/2/3", "1 / 2", "0x1/2"})
  void parse_ofMalformedText_isRejected(String text) {
    assertThatThrownBy(() -> GlobalPosition.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(String.valueOf(text));
  }

  @Test
  void parse_ofNegativeComponent_isRejected() {
    assertThatThrownBy(() -> GlobalPosition.parse("-1/2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("txId=-1");
    assertThatThrownBy(() -> GlobalPosition.parse("1/-2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("position=-2");
  }
}
