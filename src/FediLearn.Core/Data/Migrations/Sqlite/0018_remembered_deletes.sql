-- 0018: Deletes that came before the object they delete (out-of-order delivery, a retried Create), remembered for two
-- days (Inbox/RememberedDeletes.cs Lifetime) so that the object's late Create is dropped, not stored and relayed by the
-- group (Mastodon's delete_upon_arrival). Expired rows are deleted by the retention chore (Queues/RetentionChore.cs).

CREATE TABLE "deleted_objects" (
    "uri" TEXT NOT NULL CONSTRAINT "pk_deleted_objects" PRIMARY KEY,
    "actor_uri" TEXT NOT NULL,
    "received_at" INTEGER NOT NULL
);

CREATE INDEX "ix_deleted_objects_received_at" ON "deleted_objects" ("received_at");
