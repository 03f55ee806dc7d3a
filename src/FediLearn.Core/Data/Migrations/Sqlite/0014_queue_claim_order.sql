-- 0014: on PostgreSQL the queues' claim index ends with the id (Data/Migrations/Postgres/0014_queue_claim_order.sql).
-- SQLite's index entries end with the rowid, which is the id, so its ix_*_state_next_attempt_at indexes are already in
-- that order: nothing changes here. The version exists so that both providers carry the same versions.
SELECT 1;
