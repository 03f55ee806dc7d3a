-- 0008: web accounts. Node admins are the Identity role "admin" (asp_net_roles/asp_net_user_roles, from 0001);
-- facilitators stay per group in group_facilitators; single-use invitation links for new members and facilitators.

INSERT INTO "asp_net_roles" ("id", "name", "normalized_name", "concurrency_stamp")
SELECT 'admin', 'admin', 'ADMIN', '0008'
WHERE NOT EXISTS (SELECT 1 FROM "asp_net_roles" WHERE "normalized_name" = 'ADMIN');

CREATE TABLE "invitations" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_invitations" PRIMARY KEY AUTOINCREMENT,
    "code_hash" TEXT NOT NULL,
    "role" INTEGER NOT NULL,
    "group_id" INTEGER NULL,
    "created_by_user_id" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    "expires_at" TEXT NOT NULL,
    "used_at" TEXT NULL,
    "used_by_user_id" TEXT NULL,
    CONSTRAINT "fk_invitations_local_actors_group_id" FOREIGN KEY ("group_id") REFERENCES "local_actors" ("id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "ix_invitations_code_hash" ON "invitations" ("code_hash");

CREATE INDEX "ix_invitations_created_at" ON "invitations" ("created_at");

CREATE INDEX "ix_invitations_group_id" ON "invitations" ("group_id");
