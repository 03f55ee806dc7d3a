-- 0004: moderation: group bans, reports (Flag), moderation log.

CREATE TABLE "moderation_log" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_moderation_log" PRIMARY KEY AUTOINCREMENT,
    "group_id" INTEGER NULL,
    "moderator_id" INTEGER NULL,
    "action" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "reason" TEXT NULL,
    "created_at" TEXT NOT NULL
);

CREATE TABLE "reports" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_reports" PRIMARY KEY AUTOINCREMENT,
    "group_id" INTEGER NULL,
    "reporter_uri" TEXT NOT NULL,
    "objects_json" TEXT NOT NULL,
    "content" TEXT NULL,
    "activity_id" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    "resolved_at" TEXT NULL
);

CREATE TABLE "group_bans" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_group_bans" PRIMARY KEY AUTOINCREMENT,
    "group_id" INTEGER NOT NULL,
    "actor_uri" TEXT NOT NULL,
    "reason" TEXT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_group_bans_local_actors_group_id" FOREIGN KEY ("group_id") REFERENCES "local_actors" ("id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "ix_group_bans_group_id_actor_uri" ON "group_bans" ("group_id", "actor_uri");

CREATE INDEX "ix_moderation_log_group_id_id" ON "moderation_log" ("group_id", "id");

CREATE INDEX "ix_reports_activity_id" ON "reports" ("activity_id");

CREATE INDEX "ix_reports_group_id_id" ON "reports" ("group_id", "id");
