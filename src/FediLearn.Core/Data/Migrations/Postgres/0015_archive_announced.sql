-- 0015: the archive date whose arrival a group's followers' servers were told of (an Update of the group: from then on only its
-- facilitators post, which Lemmy reads as postingRestrictedToMods). Services/GroupService.cs AnnounceArchivesAsync.
ALTER TABLE local_actors ADD COLUMN archive_announced_for timestamp with time zone;
