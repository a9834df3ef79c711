package dev.cairn.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.api.EventMetadata;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetadataJsonTest {

  @Test
  void everyField_andExtras_surviveTheRoundTrip() {
    EventMetadata m =
        new EventMetadata("corr \"1\"", "cause-2", "tenant-3", "ann", "00-abc-def-01", Map.of("region", "eu", "é", "ü"));
    assertThat(MetadataJson.read(MetadataJson.write(m))).isEqualTo(m);
    assertThat(MetadataJson.read(MetadataJson.write(EventMetadata.EMPTY))).isEqualTo(EventMetadata.EMPTY);
  }

  @Test
  void metadataWrittenByOthers_isReadLeniently_butNonJsonIsAnError() {
    // Stored by another writer (jsonb reorders keys, adds spaces): unknown keys and nested values
    // are passed over, nulls stay null, numbers become text.
    EventMetadata m =
        MetadataJson.read(
            "{\"tenant\": null, \"other\": {\"a\": [1, 2]}, \"extra\": {\"n\": 7, \"deep\": {\"x\": 1}},"
                + " \"correlation_id\": \"c\"}");
    assertThat(m).isEqualTo(new EventMetadata("c", null, null, null, null, Map.of("n", "7")));
    assertThatThrownBy(() -> MetadataJson.read("[1]")).hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> MetadataJson.read("{\"a\":")).hasMessageContaining("not JSON");
  }
}
