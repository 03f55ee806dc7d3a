-- 0002: publishing (group items, media, access tokens), fan-out queue, received remote objects.

CREATE TABLE "media_files" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_media_files" PRIMARY KEY AUTOINCREMENT,
    "key" TEXT NOT NULL,
    "uploader_id" INTEGER NOT NULL,
    "file_name" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "description" TEXT NULL,
    "created_at" TEXT NOT NULL
);

CREATE TABLE "remote_objects" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_remote_objects" PRIMARY KEY AUTOINCREMENT,
    "uri" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "attributed_to" TEXT NOT NULL,
    "name" TEXT NULL,
    "in_reply_to" TEXT NULL,
    "json" TEXT NOT NULL,
    "received_at" TEXT NOT NULL,
    "updated_at" TEXT NULL,
    "deleted_at" TEXT NULL
);

CREATE TABLE "access_tokens" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_access_tokens" PRIMARY KEY AUTOINCREMENT,
    "person_id" INTEGER NOT NULL,
    "token_hash" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    "last_used_at" TEXT NULL,
    CONSTRAINT "fk_access_tokens_local_actors_person_id" FOREIGN KEY ("person_id") REFERENCES "local_actors" ("id") ON DELETE CASCADE
);

CREATE TABLE "group_items" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_group_items" PRIMARY KEY AUTOINCREMENT,
    "group_id" INTEGER NOT NULL,
    "kind" INTEGER NOT NULL,
    "author_id" INTEGER NULL,
    "title" TEXT NULL,
    "content" TEXT NOT NULL,
    "content_html" TEXT NOT NULL,
    "tags_json" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    "publish_at" TEXT NULL,
    "published_at" TEXT NULL,
    "edited_at" TEXT NULL,
    "deleted_at" TEXT NULL,
    "revision" INTEGER NOT NULL,
    "choices_json" TEXT NULL,
    "multiple_choice" INTEGER NOT NULL,
    "closes_at" TEXT NULL,
    "session_id" INTEGER NULL,
    "links_json" TEXT NULL,
    "media_ids_json" TEXT NULL,
    "pinned" INTEGER NOT NULL,
    "starts_at_local" TEXT NULL,
    "ends_at_local" TEXT NULL,
    "time_zone" TEXT NULL,
    "join_url" TEXT NULL,
    "place" TEXT NULL,
    "capacity" INTEGER NULL,
    "require_approval" INTEGER NOT NULL,
    "cancelled" INTEGER NOT NULL,
    "notes" TEXT NULL,
    "notes_html" TEXT NULL,
    "recording_url" TEXT NULL,
    CONSTRAINT "fk_group_items_local_actors_group_id" FOREIGN KEY ("group_id") REFERENCES "local_actors" ("id") ON DELETE CASCADE
);

CREATE TABLE "fanout_jobs" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_fanout_jobs" PRIMARY KEY AUTOINCREMENT,
    "activity_id" INTEGER NOT NULL,
    "actor_id" INTEGER NOT NULL,
    "state" INTEGER NOT NULL,
    "attempts" INTEGER NOT NULL,
    "next_attempt_at" INTEGER NOT NULL,
    "locked_until" INTEGER NULL,
    "last_error" TEXT NULL,
    "created_at" INTEGER NOT NULL,
    CONSTRAINT "fk_fanout_jobs_outbound_activities_activity_id" FOREIGN KEY ("activity_id") REFERENCES "outbound_activities" ("id") ON DELETE CASCADE
);

CREATE INDEX "ix_access_tokens_person_id" ON "access_tokens" ("person_id");

CREATE UNIQUE INDEX "ix_access_tokens_token_hash" ON "access_tokens" ("token_hash");

CREATE INDEX "ix_fanout_jobs_activity_id" ON "fanout_jobs" ("activity_id");

CREATE INDEX "ix_fanout_jobs_state_next_attempt_at" ON "fanout_jobs" ("state", "next_attempt_at");

CREATE INDEX "ix_group_items_group_id_kind_id" ON "group_items" ("group_id", "kind", "id");

CREATE INDEX "ix_group_items_published_at_publish_at" ON "group_items" ("published_at", "publish_at");

CREATE UNIQUE INDEX "ix_media_files_key" ON "media_files" ("key");

CREATE INDEX "ix_remote_objects_attributed_to_id" ON "remote_objects" ("attributed_to", "id");

CREATE UNIQUE INDEX "ix_remote_objects_uri" ON "remote_objects" ("uri");
