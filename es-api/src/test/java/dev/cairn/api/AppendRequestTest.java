package dev.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AppendRequestTest {

  private static NewEvent event() {
    return new NewEvent(UUID.randomUUID(), "Added", 1, "{}", EventMetadata.EMPTY);
  }

  @Test
  void constructor_withValidArguments_keepsThem() {
    NewEvent first = event();

    var request = new AppendRequest("basket-1", "Basket", 0, List.of(first));

    assertThat(request.streamId()).isEqualTo("basket-1");
    assertThat(request.streamType()).isEqualTo("Basket");
    assertThat(request.expectedVersion()).isZero();
    assertThat(request.events()).containsExactly(first);
  }

  @Test
  void constructor_copiesTheEvents() {
    List<NewEvent> events = new ArrayList<>(List.of(event()));
    var request = new AppendRequest("basket-1", "Basket", 0, events);

    events.add(event());

    assertThat(request.events()).hasSize(1);
    assertThatThrownBy(() -> request.events().add(event()))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void constructor_withNoEvents_isRejected() {
    assertThatThrownBy(() -> new AppendRequest("basket-1", "Basket", 3, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("basket-1")
        .hasMessageContaining("at least one event");
  }

  @Test
  void constructor_withNegativeExpectedVersion_isRejected() {
    List<NewEvent> events = List.of(event());

    assertThatThrownBy(() -> new AppendRequest("basket-1", "Basket", -1, events))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("basket-1")
        .hasMessageContaining("was -1");
  }

  @Test
  void constructor_withBlankStreamId_isRejected() {
    List<NewEvent> events = List.of(event());

    assertThatThrownBy(() -> new AppendRequest("  ", "Basket", 0, events))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stream id");
  }

  @Test
  void constructor_withMalformedStreamType_isRejected() {
    List<NewEvent> events = List.of(event());

    assertThatThrownBy(() -> new AppendRequest("basket-1", "basket type", 0, events))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'basket type'");
  }

  @Test
  void constructor_withNullEvents_isRejected() {
    List<NewEvent> withNull = new ArrayList<>();
    withNull.add(null);

    assertThatThrownBy(() -> new AppendRequest("basket-1", "Basket", 0, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("events");
    assertThatThrownBy(() -> new AppendRequest("basket-1", "Basket", 0, withNull))
        .isInstanceOf(NullPointerException.class);
  }
}
