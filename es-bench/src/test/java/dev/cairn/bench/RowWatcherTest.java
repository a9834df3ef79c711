package dev.cairn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RowWatcherTest {

  @Test
  void tag_keepsRepetitionAndIndexApart() {
    long tag = RowWatcher.tag(7, 123_456);
    assertThat((int) (tag >>> 32)).isEqualTo(7);
    assertThat((int) tag).isEqualTo(123_456);
  }
}
