-- Cairn Kafka relay. ${schema} and ${prefix} are validated identifiers ([a-z_][a-z0-9_]*).
-- Which transactional id publishes this store's events with a position topic. Kafka fences a
-- zombie relay only among producers with the same id, and a relay resumes from the position kept
-- under its own id: a relay configured with another id is refused unless it names the id it
-- replaces.
CREATE TABLE ${schema}.${prefix}relay_owners (
  position_topic   text        PRIMARY KEY,
  transactional_id text        NOT NULL,
  since            timestamptz NOT NULL DEFAULT now()
);
