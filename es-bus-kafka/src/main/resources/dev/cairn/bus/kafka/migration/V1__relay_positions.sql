-- Cairn Kafka relay. ${schema} and ${prefix} are validated identifiers ([a-z_][a-z0-9_]*).
-- The position each relay last committed to Kafka, written after the Kafka commit, for
-- monitoring only: the relay resumes from the position committed in Kafka, never from here.
CREATE TABLE ${schema}.${prefix}relay_positions (
  transactional_id text        PRIMARY KEY,
  tx_id            bigint      NOT NULL,
  global_position  bigint      NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
