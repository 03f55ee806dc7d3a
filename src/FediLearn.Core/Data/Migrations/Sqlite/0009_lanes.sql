-- 0009: group settings and lanes (template, default timezone, archive date, uploaded icon); members' notification mark.

ALTER TABLE "local_actors" ADD COLUMN "lane" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "local_actors" ADD COLUMN "default_time_zone" TEXT NULL;
ALTER TABLE "local_actors" ADD COLUMN "archive_at" TEXT NULL;
ALTER TABLE "local_actors" ADD COLUMN "icon_media_key" TEXT NULL;
ALTER TABLE "local_actors" ADD COLUMN "notifications_seen_at" TEXT NULL;
