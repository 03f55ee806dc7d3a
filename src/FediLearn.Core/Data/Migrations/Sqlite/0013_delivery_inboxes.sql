-- 0013: each follower row carries where a public activity for it goes (the remote actor's shared inbox, else its own
-- inbox) and the host, kept by the triggers below, so that a post's fan-out groups a group's followers by inbox straight
-- from one index, in order: no join with remote_actors and no temporary sort (Queues/DeliveryQueue.cs ExpandAsync;
-- docs/performance.md, fan-out). Code never writes these columns; the triggers keep them on every path that writes
-- followers or remote_actors, EF's and raw SQL's alike.

ALTER TABLE "followers" ADD COLUMN "delivery_inbox" TEXT NULL;
ALTER TABLE "followers" ADD COLUMN "delivery_host" TEXT NULL;

UPDATE "followers" SET
    "delivery_inbox" = (SELECT COALESCE(r."shared_inbox", r."inbox") FROM "remote_actors" r WHERE r."id" = "followers"."remote_actor_id"),
    "delivery_host" = (SELECT r."host" FROM "remote_actors" r WHERE r."id" = "followers"."remote_actor_id");

CREATE INDEX "ix_followers_local_actor_id_state_delivery_inbox_delivery_host" ON "followers" ("local_actor_id", "state", "delivery_inbox", "delivery_host");

-- A new follower row takes its remote actor's inbox and host.
CREATE TRIGGER "followers_delivery_inbox_on_insert" AFTER INSERT ON "followers"
BEGIN
    UPDATE "followers" SET
        "delivery_inbox" = (SELECT COALESCE(r."shared_inbox", r."inbox") FROM "remote_actors" r WHERE r."id" = NEW."remote_actor_id"),
        "delivery_host" = (SELECT r."host" FROM "remote_actors" r WHERE r."id" = NEW."remote_actor_id")
    WHERE "id" = NEW."id";
END;

-- A row pointed at another remote actor, or these columns written by anything else, are put right again. The WHEN
-- makes it a no-op when the values are already right (and so it never fires itself again).
CREATE TRIGGER "followers_delivery_inbox_on_update" AFTER UPDATE OF "remote_actor_id", "delivery_inbox", "delivery_host" ON "followers"
WHEN NEW."delivery_inbox" IS NOT (SELECT COALESCE(r."shared_inbox", r."inbox") FROM "remote_actors" r WHERE r."id" = NEW."remote_actor_id")
  OR NEW."delivery_host" IS NOT (SELECT r."host" FROM "remote_actors" r WHERE r."id" = NEW."remote_actor_id")
BEGIN
    UPDATE "followers" SET
        "delivery_inbox" = (SELECT COALESCE(r."shared_inbox", r."inbox") FROM "remote_actors" r WHERE r."id" = NEW."remote_actor_id"),
        "delivery_host" = (SELECT r."host" FROM "remote_actors" r WHERE r."id" = NEW."remote_actor_id")
    WHERE "id" = NEW."id";
END;

-- A remote actor that moves its inbox or shared inbox (an Update, a refetch) takes its follower rows along.
CREATE TRIGGER "remote_actors_delivery_inbox_on_update" AFTER UPDATE OF "inbox", "shared_inbox", "host" ON "remote_actors"
WHEN NEW."inbox" IS NOT OLD."inbox" OR NEW."shared_inbox" IS NOT OLD."shared_inbox" OR NEW."host" IS NOT OLD."host"
BEGIN
    UPDATE "followers" SET "delivery_inbox" = COALESCE(NEW."shared_inbox", NEW."inbox"), "delivery_host" = NEW."host"
    WHERE "remote_actor_id" = NEW."id";
END;
