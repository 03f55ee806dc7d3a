-- 0003: replies in group threads (relayed by the group) and likes.

CREATE TABLE "likes" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_likes" PRIMARY KEY AUTOINCREMENT,
    "object_uri" TEXT NOT NULL,
    "actor_uri" TEXT NOT NULL,
    "activity_id" TEXT NOT NULL,
    "created_at" TEXT NOT NULL
);

CREATE TABLE "replies" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_replies" PRIMARY KEY AUTOINCREMENT,
    "uri" TEXT NOT NULL,
    "group_id" INTEGER NOT NULL,
    "top_item_id" INTEGER NULL,
    "in_reply_to" TEXT NULL,
    "author_uri" TEXT NOT NULL,
    "author_host" TEXT NOT NULL,
    "author_name" TEXT NULL,
    "content_html" TEXT NOT NULL,
    "json" TEXT NOT NULL,
    "published_at" TEXT NOT NULL,
    "received_at" TEXT NOT NULL,
    "updated_at" TEXT NULL,
    "deleted_at" TEXT NULL,
    "announce_activity_id" INTEGER NULL,
    CONSTRAINT "fk_replies_local_actors_group_id" FOREIGN KEY ("group_id") REFERENCES "local_actors" ("id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "ix_likes_object_uri_actor_uri" ON "likes" ("object_uri", "actor_uri");

CREATE INDEX "ix_replies_group_id" ON "replies" ("group_id");

CREATE INDEX "ix_replies_in_reply_to" ON "replies" ("in_reply_to");

CREATE INDEX "ix_replies_top_item_id_published_at" ON "replies" ("top_item_id", "published_at");

CREATE UNIQUE INDEX "ix_replies_uri" ON "replies" ("uri");
