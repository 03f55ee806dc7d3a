-- 0005: RSVPs to sessions (Join/Leave, Accept/TentativeAccept/Reject, local members).

CREATE TABLE "rsvps" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_rsvps" PRIMARY KEY AUTOINCREMENT,
    "session_id" INTEGER NOT NULL,
    "actor_uri" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "join_json" TEXT NULL,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    CONSTRAINT "fk_rsvps_group_items_session_id" FOREIGN KEY ("session_id") REFERENCES "group_items" ("id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "ix_rsvps_session_id_actor_uri" ON "rsvps" ("session_id", "actor_uri");
