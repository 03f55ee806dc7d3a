-- 0007: groups' posting policy; members' own notes (replies in groups' threads on other servers).

ALTER TABLE "local_actors" ADD COLUMN "posting_policy" INTEGER NOT NULL DEFAULT 0;

CREATE TABLE "local_notes" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_local_notes" PRIMARY KEY AUTOINCREMENT,
    "author_id" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "content_html" TEXT NOT NULL,
    "in_reply_to" TEXT NULL,
    "group_uri" TEXT NULL,
    "cc_json" TEXT NOT NULL,
    "inboxes_json" TEXT NOT NULL,
    "published_at" TEXT NOT NULL,
    "updated_at" TEXT NULL,
    "deleted_at" TEXT NULL,
    CONSTRAINT "fk_local_notes_local_actors_author_id" FOREIGN KEY ("author_id") REFERENCES "local_actors" ("id") ON DELETE CASCADE
);

CREATE INDEX "ix_local_notes_author_id_id" ON "local_notes" ("author_id", "id");
