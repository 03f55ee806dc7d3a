-- 0011: ASP.NET Data Protection's key ring in the database, shared by every app node (login and antiforgery cookies
-- issued by one node are accepted by the others; moving a node to another machine keeps everyone signed in).

CREATE TABLE "data_protection_keys" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_data_protection_keys" PRIMARY KEY AUTOINCREMENT,
    "friendly_name" TEXT NULL,
    "xml" TEXT NOT NULL
);
