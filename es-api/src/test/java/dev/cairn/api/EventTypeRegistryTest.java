package dev.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.api.EventTypeRegistry.EventType;
import org.junit.jupiter.api.Test;

class EventTypeRegistryTest {

  record Unrelated(String value) {}

  sealed interface Mixed {}

  static final class NotARecord implements Mixed {}

  interface Open {}

  @Test
  void registerSealed_registersEveryRecordBySimpleNameAtRevisionOne() {
    EventTypeRegistry registry =
        EventTypeRegistry.builder().registerSealed(TestEvent.class).build();

    assertThat(registry.forClass(TestEvent.Added.class))
        .contains(new EventType("Added", 1, TestEvent.Added.class));
    assertThat(registry.forClass(TestEvent.Removed.class))
        .contains(new EventType("Removed", 1, TestEvent.Removed.class));
    assertThat(registry.forName("Archived"))
        .contains(new EventType("Archived", 1, TestEvent.Archived.class));
  }

  @Test
  void registerSealed_doesNotRegisterTheInterfacesThemselves() {
    EventTypeRegistry registry =
        EventTypeRegistry.builder().registerSealed(TestEvent.class).build();

    assertThat(registry.forClass(TestEvent.class)).isEmpty();
    assertThat(registry.forClass(TestEvent.Administrative.class)).isEmpty();
  }

  @Test
  void registerSealed_keepsAnEarlierRegistrationOfAMember() {
    EventTypeRegistry registry =
        EventTypeRegistry.builder()
            .register(TestEvent.Added.class, "ItemAdded", 4)
            .registerSealed(TestEvent.class)
            .build();

    assertThat(registry.forClass(TestEvent.Added.class))
        .contains(new EventType("ItemAdded", 4, TestEvent.Added.class));
    assertThat(registry.forName("Added")).isEmpty();
  }

  @Test
  void registerSealed_withNonSealedType_isRejected() {
    var builder = EventTypeRegistry.builder();

    assertThatThrownBy(() -> builder.registerSealed(Open.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Open.class.getName())
        .hasMessageContaining("not a sealed");
  }

  @Test
  void registerSealed_withNonRecordMember_isRejected() {
    var builder = EventTypeRegistry.builder();

    assertThatThrownBy(() -> builder.registerSealed(Mixed.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(NotARecord.class.getName());
  }

  @Test
  void register_withDuplicateClass_isRejected() {
    var builder = EventTypeRegistry.builder().register(Unrelated.class, "Unrelated", 1);

    assertThatThrownBy(() -> builder.register(Unrelated.class, "Other", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Unrelated.class.getName())
        .hasMessageContaining("Unrelated");
  }

  @Test
  void register_withDuplicateName_isRejected() {
    var builder = EventTypeRegistry.builder().register(TestEvent.Added.class, "Thing", 1);

    assertThatThrownBy(() -> builder.register(Unrelated.class, "Thing", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Thing")
        .hasMessageContaining(TestEvent.Added.class.getName());
  }

  @Test
  void register_withMalformedName_isRejected() {
    var builder = EventTypeRegistry.builder();

    assertThatThrownBy(() -> builder.register(Unrelated.class, "order placed!", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'order placed!'");
    assertThatThrownBy(() -> builder.register(Unrelated.class, "1stEvent", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'1stEvent'");
    assertThatThrownBy(() -> builder.register(Unrelated.class, "", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("''");
    assertThatThrownBy(() -> builder.register(Unrelated.class, null, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'null'");
  }

  @Test
  void register_withRevisionBelowOne_isRejected() {
    var builder = EventTypeRegistry.builder();

    assertThatThrownBy(() -> builder.register(Unrelated.class, "Unrelated", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Unrelated")
        .hasMessageContaining("was 0");
  }

  @Test
  void register_afterARejection_leavesTheBuilderUsable() {
    var builder = EventTypeRegistry.builder();
    assertThatThrownBy(() -> builder.register(Unrelated.class, "Unrelated", 0))
        .isInstanceOf(IllegalArgumentException.class);

    // A rejected call must not have half-registered the class.
    EventTypeRegistry registry = builder.register(Unrelated.class, "Unrelated", 1).build();

    assertThat(registry.forName("Unrelated")).map(EventType::revision).contains(1);
  }

  @Test
  void revision_ofUnregisteredName_isRejected() {
    var builder = EventTypeRegistry.builder().registerSealed(TestEvent.class);

    assertThatThrownBy(() -> builder.revision("Nope", 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Nope");
  }

  @Test
  void revision_replacesTheRevisionByNameAndByClass() {
    EventTypeRegistry registry =
        EventTypeRegistry.builder().registerSealed(TestEvent.class).revision("Added", 3).build();

    assertThat(registry.forName("Added")).map(EventType::revision).contains(3);
    assertThat(registry.forClass(TestEvent.Added.class)).map(EventType::revision).contains(3);
  }

  @Test
  void upcaster_registeredTwiceForOneRevision_isRejected() {
    var builder = EventTypeRegistry.builder().upcaster("Added", 1, json -> json);

    assertThatThrownBy(() -> builder.upcaster("Added", 1, json -> json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Added")
        .hasMessageContaining("revision 1");
  }

  @Test
  void upcaster_fromRevisionBelowOne_isRejected() {
    var builder = EventTypeRegistry.builder();

    assertThatThrownBy(() -> builder.upcaster("Added", 0, json -> json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was 0");
  }

  @Test
  void build_isNotAffectedByLaterBuilderCalls() {
    var builder = EventTypeRegistry.builder().registerSealed(TestEvent.class);
    EventTypeRegistry registry = builder.build();

    builder.register(Unrelated.class, "Unrelated", 1).revision("Added", 2);

    assertThat(registry.forClass(Unrelated.class)).isEmpty();
    assertThat(registry.forName("Added")).map(EventType::revision).contains(1);
  }

  @Test
  void namesOf_aSealedFamily_namesEveryRegisteredMember_andARecordNamesItself() {
    EventTypeRegistry registry =
        EventTypeRegistry.builder()
            .register(TestEvent.Added.class, "ItemAdded", 2)
            .registerSealed(TestEvent.class)
            .register(Unrelated.class, "Unrelated", 1)
            .build();

    assertThat(registry.namesOf(TestEvent.class)).containsExactly("Archived", "ItemAdded", "Removed");
    assertThat(registry.namesOf(TestEvent.Administrative.class)).containsExactly("Archived");
    assertThat(registry.namesOf(TestEvent.Added.class)).containsExactly("ItemAdded");
    assertThat(registry.namesOf(Object.class)).hasSize(4);
    assertThat(registry.namesOf(Open.class)).isEmpty();
  }
}
