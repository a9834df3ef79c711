-- Durable deadlines of process managers. A row is written by the workflow's runner in the same
-- transaction as the process state and the checkpoint; any instance fires it (FOR UPDATE SKIP
-- LOCKED) by recording a WorkflowDeadlineFired event in the process's stream.
--   pending   -> fired (recorded in the stream) -> handled (the process reacted to it)
--   pending   -> cancelled;  fired -> cancelled (cancelled before its turn came: it is dropped)
--   pending   -> failed (recording failed max_attempts times; retried by an operator)
CREATE TABLE ${schema}.${prefix}workflow_deadlines (
  deadline_id      uuid PRIMARY KEY,
  workflow         text NOT NULL,
  process_id       text NOT NULL,
  name             text NOT NULL,
  payload          text NOT NULL,
  due_at           timestamptz NOT NULL,
  status           text NOT NULL CHECK (status IN ('pending', 'fired', 'handled', 'cancelled', 'failed')),
  attempts         int NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz,
  last_error       text,
  correlation_id   text,
  traceparent      text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  fired_at         timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ${prefix}workflow_deadlines_due ON ${schema}.${prefix}workflow_deadlines (due_at)
  WHERE status = 'pending';

CREATE INDEX ${prefix}workflow_deadlines_process ON ${schema}.${prefix}workflow_deadlines (workflow, process_id, name);
