-- 0018: Deletes that came before the object they delete (out-of-order delivery, a retried Create), remembered for two
-- days (Inbox/RememberedDeletes.cs Lifetime) so that the object's late Create is dropped, not stored and relayed by the
-- group (Mastodon's delete_upon_arrival). Expired rows are deleted by the retention chore (Queues/RetentionChore.cs).
-- PostgreSQL version of Data/Migrations/Sqlite/0018_remembered_deletes.sql: the same schema in PostgreSQL types (see PostgresModel).

CREATE TABLE deleted_objects (
    uri text NOT NULL,
    actor_uri text NOT NULL,
    received_at bigint NOT NULL,
    CONSTRAINT pk_deleted_objects PRIMARY KEY (uri)
);

CREATE INDEX ix_deleted_objects_received_at ON deleted_objects (received_at);
