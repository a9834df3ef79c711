package dev.cairn.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SetOnceTest {

  @Test
  void once_firstTime_returnsTheValueAndMarksItSet() {
    SetOnce set = new SetOnce();

    assertThat(set.once("batch size", 500)).isEqualTo(500);
    assertThat(set.isSet("batch size")).isTrue();
    assertThat(set.isSet("poll interval")).isFalse();
  }

  @Test
  void once_secondTime_isRefusedNamingTheSettingAndItsFirstValue() {
    SetOnce set = new SetOnce();
    set.once("poll interval", Duration.ofMillis(250));

    assertThatThrownBy(() -> set.once("poll interval", Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("poll interval was already set to PT0.25S");
  }

  @Test
  void once_sameValueAgain_isStillRefused() {
    SetOnce set = new SetOnce();
    set.once("source", "cairn://orders");

    assertThatThrownBy(() -> set.once("source", "cairn://orders"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("source was already set to cairn://orders");
  }

  @Test
  void once_settingsAreIndependent() {
    SetOnce set = new SetOnce();
    set.once("batch size", 10);

    assertThat(set.once("linger", Duration.ZERO)).isEqualTo(Duration.ZERO);
  }

  @Test
  void once_null_isRefusedNamingTheSetting() {
    SetOnce set = new SetOnce();

    assertThatThrownBy(() -> set.once("meter registry", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("meter registry");
    assertThat(set.isSet("meter registry")).isFalse();
  }

  @Test
  void merged_newKeys_areAddedToACopy() {
    Map<String, Object> held = Map.of("bootstrap.servers", "localhost:9092");

    Map<String, Object> merged = SetOnce.merged("Kafka setting", held, Map.of("linger.ms", 5));

    assertThat(merged).containsOnly(entry("bootstrap.servers", "localhost:9092"), entry("linger.ms", 5));
    assertThat(held).containsOnlyKeys("bootstrap.servers");
  }

  @Test
  void merged_aKeyHeldAlready_isRefusedNamingItAndItsValue() {
    Map<String, Object> held = Map.of("linger.ms", 5);

    assertThatThrownBy(() -> SetOnce.merged("Kafka setting", held, Map.of("linger.ms", 20)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Kafka setting linger.ms was already set to 5");
  }

  @Test
  void merged_nullValue_isRefusedNamingTheKey() {
    Map<String, Object> added = new HashMap<>();
    added.put("acks", null);

    assertThatThrownBy(() -> SetOnce.merged("Kafka setting", Map.of(), added))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("Kafka setting acks");
  }
}
