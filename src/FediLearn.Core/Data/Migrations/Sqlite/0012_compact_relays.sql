-- 0012: a group's relay of a reply keeps the reply once (in replies), not a second time inside the stored Announce:
-- outbound_activities.reply_id names the reply, and json then holds only the author's activity around it
-- (Queues/OutboundDocuments.cs; docs/performance.md, Storage). Rows written before keep their whole JSON.

ALTER TABLE "outbound_activities" ADD COLUMN "reply_id" INTEGER NULL;
