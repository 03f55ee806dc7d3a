-- 0009: group settings and lanes (template, default timezone, archive date, uploaded icon); members' notification mark.
-- PostgreSQL version of Data/Migrations/Sqlite/0009_lanes.sql: the same schema in PostgreSQL types (see PostgresModel).

ALTER TABLE local_actors ADD COLUMN lane integer NOT NULL DEFAULT 0;

ALTER TABLE local_actors ADD COLUMN default_time_zone character varying(64);

ALTER TABLE local_actors ADD COLUMN archive_at timestamp with time zone;

ALTER TABLE local_actors ADD COLUMN icon_media_key character varying(64);

ALTER TABLE local_actors ADD COLUMN notifications_seen_at timestamp with time zone;
