-- 0001: initial schema (actors, follows, durable delivery and inbox queues, Identity). Generated with 'schema script', then reviewed.
CREATE TABLE "asp_net_roles" (
    "id" TEXT NOT NULL CONSTRAINT "pk_asp_net_roles" PRIMARY KEY,
    "name" TEXT NULL,
    "normalized_name" TEXT NULL,
    "concurrency_stamp" TEXT NULL
);


CREATE TABLE "asp_net_users" (
    "id" TEXT NOT NULL CONSTRAINT "pk_asp_net_users" PRIMARY KEY,
    "created_at" TEXT NOT NULL,
    "user_name" TEXT NULL,
    "normalized_user_name" TEXT NULL,
    "email" TEXT NULL,
    "normalized_email" TEXT NULL,
    "email_confirmed" INTEGER NOT NULL,
    "password_hash" TEXT NULL,
    "security_stamp" TEXT NULL,
    "concurrency_stamp" TEXT NULL,
    "phone_number" TEXT NULL,
    "phone_number_confirmed" INTEGER NOT NULL,
    "two_factor_enabled" INTEGER NOT NULL,
    "lockout_end" TEXT NULL,
    "lockout_enabled" INTEGER NOT NULL,
    "access_failed_count" INTEGER NOT NULL
);


CREATE TABLE "domain_blocks" (
    "domain" TEXT NOT NULL CONSTRAINT "pk_domain_blocks" PRIMARY KEY,
    "reason" TEXT NULL,
    "created_at" TEXT NOT NULL
);


CREATE TABLE "inbox_items" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_inbox_items" PRIMARY KEY AUTOINCREMENT,
    "activity_id" TEXT NOT NULL,
    "actor_uri" TEXT NOT NULL,
    "json" TEXT NOT NULL,
    "state" INTEGER NOT NULL,
    "attempts" INTEGER NOT NULL,
    "received_at" INTEGER NOT NULL,
    "next_attempt_at" INTEGER NOT NULL,
    "locked_until" INTEGER NULL,
    "last_error" TEXT NULL
);


CREATE TABLE "local_actors" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_local_actors" PRIMARY KEY AUTOINCREMENT,
    "kind" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "summary" TEXT NULL,
    "manually_approves_followers" INTEGER NOT NULL,
    "discoverable" INTEGER NOT NULL,
    "rsa_private_key_pem" TEXT NOT NULL,
    "rsa_public_key_pem" TEXT NOT NULL,
    "ed25519_seed" BLOB NOT NULL,
    "ed25519_public_key" BLOB NOT NULL,
    "created_at" TEXT NOT NULL,
    "user_id" TEXT NULL
);


CREATE TABLE "remote_actors" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_remote_actors" PRIMARY KEY AUTOINCREMENT,
    "uri" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "username" TEXT NULL,
    "display_name" TEXT NULL,
    "inbox" TEXT NOT NULL,
    "shared_inbox" TEXT NULL,
    "key_id" TEXT NULL,
    "public_key_pem" TEXT NULL,
    "fetched_at" TEXT NOT NULL
);


CREATE TABLE "remote_hosts" (
    "host" TEXT NOT NULL CONSTRAINT "pk_remote_hosts" PRIMARY KEY,
    "failing_since" INTEGER NULL,
    "last_failure_at" INTEGER NULL,
    "last_success_at" INTEGER NULL,
    "dead" INTEGER NOT NULL
);


CREATE TABLE "asp_net_role_claims" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_asp_net_role_claims" PRIMARY KEY AUTOINCREMENT,
    "role_id" TEXT NOT NULL,
    "claim_type" TEXT NULL,
    "claim_value" TEXT NULL,
    CONSTRAINT "fk_asp_net_role_claims_asp_net_roles_role_id" FOREIGN KEY ("role_id") REFERENCES "asp_net_roles" ("id") ON DELETE CASCADE
);


CREATE TABLE "asp_net_user_claims" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_asp_net_user_claims" PRIMARY KEY AUTOINCREMENT,
    "user_id" TEXT NOT NULL,
    "claim_type" TEXT NULL,
    "claim_value" TEXT NULL,
    CONSTRAINT "fk_asp_net_user_claims_asp_net_users_user_id" FOREIGN KEY ("user_id") REFERENCES "asp_net_users" ("id") ON DELETE CASCADE
);


CREATE TABLE "asp_net_user_logins" (
    "login_provider" TEXT NOT NULL,
    "provider_key" TEXT NOT NULL,
    "provider_display_name" TEXT NULL,
    "user_id" TEXT NOT NULL,
    CONSTRAINT "pk_asp_net_user_logins" PRIMARY KEY ("login_provider", "provider_key"),
    CONSTRAINT "fk_asp_net_user_logins_asp_net_users_user_id" FOREIGN KEY ("user_id") REFERENCES "asp_net_users" ("id") ON DELETE CASCADE
);


CREATE TABLE "asp_net_user_roles" (
    "user_id" TEXT NOT NULL,
    "role_id" TEXT NOT NULL,
    CONSTRAINT "pk_asp_net_user_roles" PRIMARY KEY ("user_id", "role_id"),
    CONSTRAINT "fk_asp_net_user_roles_asp_net_roles_role_id" FOREIGN KEY ("role_id") REFERENCES "asp_net_roles" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_asp_net_user_roles_asp_net_users_user_id" FOREIGN KEY ("user_id") REFERENCES "asp_net_users" ("id") ON DELETE CASCADE
);


CREATE TABLE "asp_net_user_tokens" (
    "user_id" TEXT NOT NULL,
    "login_provider" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT NULL,
    CONSTRAINT "pk_asp_net_user_tokens" PRIMARY KEY ("user_id", "login_provider", "name"),
    CONSTRAINT "fk_asp_net_user_tokens_asp_net_users_user_id" FOREIGN KEY ("user_id") REFERENCES "asp_net_users" ("id") ON DELETE CASCADE
);


CREATE TABLE "group_facilitators" (
    "group_id" INTEGER NOT NULL,
    "person_id" INTEGER NOT NULL,
    "added_at" TEXT NOT NULL,
    CONSTRAINT "pk_group_facilitators" PRIMARY KEY ("group_id", "person_id"),
    CONSTRAINT "fk_group_facilitators_local_actors_group_id" FOREIGN KEY ("group_id") REFERENCES "local_actors" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_group_facilitators_local_actors_person_id" FOREIGN KEY ("person_id") REFERENCES "local_actors" ("id") ON DELETE CASCADE
);


CREATE TABLE "outbound_activities" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_outbound_activities" PRIMARY KEY AUTOINCREMENT,
    "key" TEXT NOT NULL,
    "actor_id" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "json" TEXT NOT NULL,
    "is_public" INTEGER NOT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_outbound_activities_local_actors_actor_id" FOREIGN KEY ("actor_id") REFERENCES "local_actors" ("id") ON DELETE CASCADE
);


CREATE TABLE "followers" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_followers" PRIMARY KEY AUTOINCREMENT,
    "local_actor_id" INTEGER NOT NULL,
    "remote_actor_id" INTEGER NOT NULL,
    "actor_uri" TEXT NOT NULL,
    "follow_activity_id" TEXT NOT NULL,
    "follow_json" TEXT NOT NULL,
    "state" INTEGER NOT NULL,
    "created_at" TEXT NOT NULL,
    "accepted_at" TEXT NULL,
    CONSTRAINT "fk_followers_local_actors_local_actor_id" FOREIGN KEY ("local_actor_id") REFERENCES "local_actors" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_followers_remote_actors_remote_actor_id" FOREIGN KEY ("remote_actor_id") REFERENCES "remote_actors" ("id") ON DELETE CASCADE
);


CREATE TABLE "followings" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_followings" PRIMARY KEY AUTOINCREMENT,
    "local_actor_id" INTEGER NOT NULL,
    "remote_actor_id" INTEGER NOT NULL,
    "follow_activity_id" TEXT NOT NULL,
    "state" INTEGER NOT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_followings_local_actors_local_actor_id" FOREIGN KEY ("local_actor_id") REFERENCES "local_actors" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_followings_remote_actors_remote_actor_id" FOREIGN KEY ("remote_actor_id") REFERENCES "remote_actors" ("id") ON DELETE CASCADE
);


CREATE TABLE "delivery_jobs" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_delivery_jobs" PRIMARY KEY AUTOINCREMENT,
    "activity_id" INTEGER NOT NULL,
    "inbox" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "state" INTEGER NOT NULL,
    "attempts" INTEGER NOT NULL,
    "next_attempt_at" INTEGER NOT NULL,
    "locked_until" INTEGER NULL,
    "last_status" INTEGER NULL,
    "last_error" TEXT NULL,
    "created_at" INTEGER NOT NULL,
    "completed_at" INTEGER NULL,
    CONSTRAINT "fk_delivery_jobs_outbound_activities_activity_id" FOREIGN KEY ("activity_id") REFERENCES "outbound_activities" ("id") ON DELETE CASCADE
);


CREATE INDEX "ix_asp_net_role_claims_role_id" ON "asp_net_role_claims" ("role_id");


CREATE UNIQUE INDEX "role_name_index" ON "asp_net_roles" ("normalized_name");


CREATE INDEX "ix_asp_net_user_claims_user_id" ON "asp_net_user_claims" ("user_id");


CREATE INDEX "ix_asp_net_user_logins_user_id" ON "asp_net_user_logins" ("user_id");


CREATE INDEX "ix_asp_net_user_roles_role_id" ON "asp_net_user_roles" ("role_id");


CREATE INDEX "email_index" ON "asp_net_users" ("normalized_email");


CREATE UNIQUE INDEX "user_name_index" ON "asp_net_users" ("normalized_user_name");


CREATE INDEX "ix_delivery_jobs_activity_id" ON "delivery_jobs" ("activity_id");


CREATE INDEX "ix_delivery_jobs_host" ON "delivery_jobs" ("host");


CREATE INDEX "ix_delivery_jobs_state_next_attempt_at" ON "delivery_jobs" ("state", "next_attempt_at");


CREATE UNIQUE INDEX "ix_followers_local_actor_id_actor_uri" ON "followers" ("local_actor_id", "actor_uri");


CREATE INDEX "ix_followers_local_actor_id_state_id" ON "followers" ("local_actor_id", "state", "id");


CREATE INDEX "ix_followers_remote_actor_id" ON "followers" ("remote_actor_id");


CREATE UNIQUE INDEX "ix_followings_local_actor_id_remote_actor_id" ON "followings" ("local_actor_id", "remote_actor_id");


CREATE INDEX "ix_followings_remote_actor_id" ON "followings" ("remote_actor_id");


CREATE INDEX "ix_group_facilitators_person_id" ON "group_facilitators" ("person_id");


CREATE UNIQUE INDEX "ix_inbox_items_activity_id" ON "inbox_items" ("activity_id");


CREATE INDEX "ix_inbox_items_state_next_attempt_at" ON "inbox_items" ("state", "next_attempt_at");


CREATE UNIQUE INDEX "ix_local_actors_name" ON "local_actors" ("name");


CREATE INDEX "ix_local_actors_user_id" ON "local_actors" ("user_id");


CREATE INDEX "ix_outbound_activities_actor_id_is_public_id" ON "outbound_activities" ("actor_id", "is_public", "id");


CREATE UNIQUE INDEX "ix_outbound_activities_key" ON "outbound_activities" ("key");


CREATE INDEX "ix_remote_actors_key_id" ON "remote_actors" ("key_id");


CREATE UNIQUE INDEX "ix_remote_actors_uri" ON "remote_actors" ("uri");


