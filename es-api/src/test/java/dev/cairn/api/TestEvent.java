package dev.cairn.api;

import java.time.Instant;

/**
 * A small event family for the serializer tests: two records directly under the sealed interface,
 * and one behind a nested sealed interface so that registration must recurse.
 */
sealed interface TestEvent {

  record Added(String itemId, long quantity, Instant at) implements TestEvent {}

  record Removed(String itemId) implements TestEvent {}

  sealed interface Administrative extends TestEvent {}

  record Archived(String reason) implements Administrative {}
}
