-- Cairn projections. ${schema} and ${prefix} are validated identifiers ([a-z_][a-z0-9_]*).

-- One row per projection version: its tables and whether readers see it.
CREATE TABLE ${schema}.${prefix}projection_versions (
  name         text        NOT NULL,
  version      int         NOT NULL CHECK (version > 0),
  status       text        NOT NULL CHECK (status IN ('BUILDING', 'ACTIVE', 'RETIRED')),
  tables       text[]      NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  activated_at timestamptz,
  PRIMARY KEY (name, version)
);

CREATE UNIQUE INDEX ${prefix}projection_versions_one_active
  ON ${schema}.${prefix}projection_versions (name) WHERE status = 'ACTIVE';

-- The checkpoint of a store-fed runner. The generation is a fencing token: a runner commits
-- only while the generation it took is still current.
CREATE TABLE ${schema}.${prefix}projection_checkpoints (
  name        text        NOT NULL,
  version     int         NOT NULL,
  tx_id       bigint      NOT NULL,
  position    bigint      NOT NULL,
  generation  bigint      NOT NULL,
  owner       text        NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, version)
);

-- The offsets of a Kafka-fed runner, per partition, committed with the read model.
CREATE TABLE ${schema}.${prefix}projection_offsets (
  name          text        NOT NULL,
  version       int         NOT NULL,
  topic         text        NOT NULL,
  partition     int         NOT NULL,
  next_offset   bigint      NOT NULL,
  last_tx_id    bigint      NOT NULL,
  last_position bigint      NOT NULL,
  generation    bigint      NOT NULL,
  owner         text        NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, version, topic, partition)
);

-- Events a projection could not apply (PARKED), and the later events of the same stream held
-- behind them (HELD); both keep the whole event so they can be applied later without a source.
CREATE TABLE ${schema}.${prefix}projection_dead_letters (
  id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name            text        NOT NULL,
  version         int         NOT NULL,
  status          text        NOT NULL CHECK (status IN ('PARKED', 'HELD', 'APPLIED', 'SKIPPED')),
  event_id        uuid        NOT NULL,
  stream_id       text        NOT NULL,
  stream_type     text        NOT NULL,
  stream_version  bigint      NOT NULL,
  tx_id           bigint      NOT NULL,
  position        bigint      NOT NULL,
  recorded_at     timestamptz NOT NULL,
  event_type      text        NOT NULL,
  schema_revision int         NOT NULL,
  payload         text        NOT NULL,
  metadata        text        NOT NULL,
  topic           text,
  partition       int,
  kafka_offset    bigint,
  error           text,
  stack           text,
  attempts        int         NOT NULL,
  parked_at       timestamptz NOT NULL DEFAULT now(),
  resolved_at     timestamptz,
  UNIQUE (name, version, event_id)
);

CREATE INDEX ${prefix}projection_dead_letters_open
  ON ${schema}.${prefix}projection_dead_letters (name, version, stream_id)
  WHERE status IN ('PARKED', 'HELD');
