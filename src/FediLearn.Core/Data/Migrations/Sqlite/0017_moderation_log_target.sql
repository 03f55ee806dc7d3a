-- 0017: a member's removals as a facilitator, read from the moderation log for their notifications on every page
-- (Services/NotificationService.cs FacilitatorRemovals): an index instead of a scan of every group's log.
CREATE INDEX "ix_moderation_log_target_action_created_at" ON "moderation_log" ("target", "action", "created_at");
