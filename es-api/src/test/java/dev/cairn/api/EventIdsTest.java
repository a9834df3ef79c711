package dev.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class EventIdsTest {

  @Test
  void ids_areVersion7_increaseInOneJvm_andCarryTheTime() {
    long before = System.currentTimeMillis();
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      ids.add(EventIds.next());
    }
    long after = System.currentTimeMillis();
    assertThat(ids).allSatisfy(id -> {
      assertThat(id.version()).isEqualTo(7);
      assertThat(id.variant()).isEqualTo(2);
    });
    assertThat(new HashSet<>(ids)).hasSize(ids.size());
    // Increasing as unsigned 128-bit numbers, which is how PostgreSQL orders uuid values.
    for (int i = 1; i < ids.size(); i++) {
      assertThat(Long.compareUnsigned(ids.get(i).getMostSignificantBits(), ids.get(i - 1).getMostSignificantBits()))
          .as("id %d after id %d", i, i - 1)
          .isPositive();
    }
    long firstMillis = ids.get(0).getMostSignificantBits() >>> 16;
    assertThat(firstMillis).isBetween(before, after);
  }
}
