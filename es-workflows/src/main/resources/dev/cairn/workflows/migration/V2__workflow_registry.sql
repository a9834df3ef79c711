-- The workflows installed in this database (written by Workflow.migrate()), so that an admin API
-- or a CLI that has only a JDBC URL can find them, their projection version and their deadlines.
CREATE TABLE ${schema}.${prefix}workflows (
  name           text PRIMARY KEY,
  version        int NOT NULL,
  registered_at  timestamptz NOT NULL DEFAULT now()
);
