-- 0010: members-only groups (private cohorts): content addressed to approved followers only, fetches gated by signature.

ALTER TABLE "local_actors" ADD COLUMN "members_only" INTEGER NOT NULL DEFAULT 0;
