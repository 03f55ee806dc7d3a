-- 0013: each follower row carries where a public activity for it goes (the remote actor's shared inbox, else its own
-- inbox) and the host, kept by the triggers below, so that a post's fan-out groups a group's followers by inbox without
-- a join with remote_actors (Queues/DeliveryQueue.cs ExpandAsync; docs/performance.md, fan-out). Code never writes
-- these columns; the triggers keep them on every path that writes followers or remote_actors.
-- PostgreSQL version of Data/Migrations/Sqlite/0013_delivery_inboxes.sql: the same columns and upkeep, without the
-- SQLite index (PostgresModel says why).

ALTER TABLE followers ADD COLUMN delivery_inbox text NULL;
ALTER TABLE followers ADD COLUMN delivery_host text NULL;

UPDATE followers f SET delivery_inbox = COALESCE(r.shared_inbox, r.inbox), delivery_host = r.host
FROM remote_actors r WHERE r.id = f.remote_actor_id;

-- A follower row, new or pointed at another remote actor, takes its remote actor's inbox and host; anything else that
-- writes these columns is overridden.
CREATE FUNCTION followers_delivery_inbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT COALESCE(r.shared_inbox, r.inbox), r.host INTO NEW.delivery_inbox, NEW.delivery_host
    FROM remote_actors r WHERE r.id = NEW.remote_actor_id;
    RETURN NEW;
END;
$$;

CREATE TRIGGER followers_delivery_inbox BEFORE INSERT OR UPDATE OF remote_actor_id, delivery_inbox, delivery_host ON followers
FOR EACH ROW EXECUTE FUNCTION followers_delivery_inbox();

-- A remote actor that moves its inbox or shared inbox (an Update, a refetch) takes its follower rows along.
CREATE FUNCTION remote_actors_delivery_inbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE followers SET delivery_inbox = COALESCE(NEW.shared_inbox, NEW.inbox), delivery_host = NEW.host
    WHERE remote_actor_id = NEW.id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER remote_actors_delivery_inbox AFTER UPDATE OF inbox, shared_inbox, host ON remote_actors
FOR EACH ROW WHEN (NEW.inbox IS DISTINCT FROM OLD.inbox OR NEW.shared_inbox IS DISTINCT FROM OLD.shared_inbox OR NEW.host IS DISTINCT FROM OLD.host)
EXECUTE FUNCTION remote_actors_delivery_inbox();
