-- 0017: a member's removals as a facilitator, read from the moderation log for their notifications on every page
-- (Services/NotificationService.cs FacilitatorRemovals): a partial index instead of a scan of every group's log. Only
-- those rows are in it, so the other actions' long targets (reply and actor URIs) are not indexed.
CREATE INDEX "ix_moderation_log_removed_facilitator" ON "moderation_log" ("target", "created_at") WHERE action = 'remove-facilitator';
