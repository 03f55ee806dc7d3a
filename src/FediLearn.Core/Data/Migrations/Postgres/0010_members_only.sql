-- 0010: members-only groups (private cohorts): content addressed to approved followers only, fetches gated by signature.
-- PostgreSQL version of Data/Migrations/Sqlite/0010_members_only.sql: the same schema in PostgreSQL types (see PostgresModel).

ALTER TABLE local_actors ADD COLUMN members_only boolean NOT NULL DEFAULT FALSE;
