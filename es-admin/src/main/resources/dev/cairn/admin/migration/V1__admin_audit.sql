-- Cairn admin. ${schema} and ${prefix} are validated identifiers ([a-z_][a-z0-9_]*).
-- Every mutating admin action, refused ones too: who, from where, what, on what, with which
-- arguments, and how it ended.
CREATE TABLE ${schema}.${prefix}admin_audit (
  id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  actor     text        NOT NULL,
  remote    text,
  action    text        NOT NULL,
  target    text        NOT NULL,
  arguments text        NOT NULL DEFAULT '{}',
  status    int         NOT NULL,
  result    text
);

CREATE INDEX ${prefix}admin_audit_action ON ${schema}.${prefix}admin_audit (action, id);
