-- The control table: how an operator (the cairn CLI, the admin API of any instance) makes running
-- runners pause, resume, replay, rebuild, switch, retry or skip, from any process.

-- A pause is state, not an event: every runner of a paused version pauses, and one started later
-- starts paused, until it is resumed.
ALTER TABLE ${schema}.${prefix}projection_versions
  ADD COLUMN paused_at timestamptz,
  ADD COLUMN paused_by text;

-- One row per request. A process that can execute it claims it (PENDING -> RUNNING, one statement),
-- does it outside any transaction of the table and records the outcome (DONE or FAILED). A request
-- nobody can execute stays PENDING; one RUNNING for ten minutes (its executor died) may be claimed
-- again.
CREATE TABLE ${schema}.${prefix}projection_commands (
  id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name         text        NOT NULL,
  version      int         NOT NULL,
  command      text        NOT NULL CHECK (command IN ('PAUSE', 'RESUME', 'REPLAY', 'REBUILD', 'SWITCH', 'RETRY', 'SKIP', 'RETRY_ALL')),
  arguments    text        NOT NULL DEFAULT '{}',
  requested_by text        NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  status       text        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'RUNNING', 'DONE', 'FAILED')),
  result       text,
  executed_by  text,
  executed_at  timestamptz
);

CREATE INDEX ${prefix}projection_commands_pending
  ON ${schema}.${prefix}projection_commands (name, version, id) WHERE status IN ('PENDING', 'RUNNING');

-- What each running runner reports about itself, about once a second, so that a process running
-- no runner (the CLI) sees them. A runner deletes its row when it stops.
CREATE TABLE ${schema}.${prefix}projection_runners (
  owner      text        PRIMARY KEY,
  name       text        NOT NULL,
  version    int         NOT NULL,
  instance   text        NOT NULL,
  source     text        NOT NULL,
  state      text        NOT NULL,
  status     text        NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
