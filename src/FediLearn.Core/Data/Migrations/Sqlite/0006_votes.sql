-- 0006: votes in check-ins (Question).

CREATE TABLE "votes" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_votes" PRIMARY KEY AUTOINCREMENT,
    "prompt_id" INTEGER NOT NULL,
    "voter_uri" TEXT NOT NULL,
    "choice" TEXT NOT NULL,
    "object_uri" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_votes_group_items_prompt_id" FOREIGN KEY ("prompt_id") REFERENCES "group_items" ("id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "ix_votes_prompt_id_voter_uri_choice" ON "votes" ("prompt_id", "voter_uri", "choice");
