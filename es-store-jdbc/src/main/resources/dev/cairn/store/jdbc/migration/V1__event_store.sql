-- Cairn event store. ${schema} and ${prefix} are validated identifiers ([a-z_][a-z0-9_]*).

CREATE TABLE ${schema}.${prefix}streams (
  stream_id   text        PRIMARY KEY,
  stream_type text        NOT NULL,
  version     bigint      NOT NULL CHECK (version > 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ${schema}.${prefix}events (
  global_position bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The writing transaction: readers follow (tx_id, global_position) behind the xmin fence.
  tx_id           xid8        NOT NULL DEFAULT pg_current_xact_id(),
  event_id        uuid        NOT NULL UNIQUE,
  stream_id       text        NOT NULL,
  stream_type     text        NOT NULL,
  version         bigint      NOT NULL CHECK (version > 0),
  event_type      text        NOT NULL,
  schema_revision int         NOT NULL CHECK (schema_revision > 0),
  payload         jsonb       NOT NULL,
  metadata        jsonb       NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ${prefix}events_stream_version UNIQUE (stream_id, version)
);

CREATE INDEX ${prefix}events_global_order ON ${schema}.${prefix}events (tx_id, global_position);

CREATE TABLE ${schema}.${prefix}snapshots (
  stream_id      text        PRIMARY KEY,
  version        bigint      NOT NULL,
  state_type     text        NOT NULL,
  state_revision int         NOT NULL,
  payload        jsonb       NOT NULL,
  taken_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ${schema}.${prefix}idempotency_keys (
  idempotency_key text        PRIMARY KEY,
  stream_id       text        NOT NULL,
  command_hash    text        NOT NULL,
  from_version    bigint      NOT NULL,
  to_version      bigint      NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ${prefix}idempotency_keys_created ON ${schema}.${prefix}idempotency_keys (created_at);
