-- 0016: when a check-in's new vote totals are sent. Votes that arrive close together share one Update of the Question,
-- as Mastodon waits 3 minutes after a vote before it sends its poll again. Services/PublishingService.cs SendDueTotalsAsync.
ALTER TABLE "group_items" ADD COLUMN "totals_due_at" TEXT NULL;
