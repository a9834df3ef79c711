-- Records not in Cairn's format are parked too, as they were read: no event columns, but the
-- record's raw key, headers (a JSON array of {"key", "value" in base64}) and value.
ALTER TABLE ${schema}.${prefix}projection_dead_letters
  ALTER COLUMN event_id DROP NOT NULL,
  ALTER COLUMN stream_id DROP NOT NULL,
  ALTER COLUMN stream_type DROP NOT NULL,
  ALTER COLUMN stream_version DROP NOT NULL,
  ALTER COLUMN tx_id DROP NOT NULL,
  ALTER COLUMN position DROP NOT NULL,
  ALTER COLUMN recorded_at DROP NOT NULL,
  ALTER COLUMN event_type DROP NOT NULL,
  ALTER COLUMN schema_revision DROP NOT NULL,
  ALTER COLUMN payload DROP NOT NULL,
  ALTER COLUMN metadata DROP NOT NULL,
  ADD COLUMN raw_key text,
  ADD COLUMN raw_headers text,
  ADD COLUMN raw_value bytea,
  ADD CONSTRAINT ${prefix}projection_dead_letters_event_or_record CHECK (
    (event_id IS NOT NULL AND stream_id IS NOT NULL AND stream_type IS NOT NULL AND stream_version IS NOT NULL
      AND tx_id IS NOT NULL AND position IS NOT NULL AND recorded_at IS NOT NULL AND event_type IS NOT NULL
      AND schema_revision IS NOT NULL AND payload IS NOT NULL AND metadata IS NOT NULL)
    OR (event_id IS NULL AND topic IS NOT NULL AND partition IS NOT NULL AND kafka_offset IS NOT NULL
      AND raw_headers IS NOT NULL));

-- A record is parked once per projection version.
CREATE UNIQUE INDEX ${prefix}projection_dead_letters_record
  ON ${schema}.${prefix}projection_dead_letters (name, version, topic, partition, kafka_offset)
  WHERE event_id IS NULL;
