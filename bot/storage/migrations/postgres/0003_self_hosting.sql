-- PostgreSQL twin of ../0003_self_hosting.sql.
ALTER TABLE guild_settings ADD COLUMN pseudonymous_exports INTEGER NOT NULL DEFAULT 1
    CHECK (pseudonymous_exports IN (0, 1));

CREATE TABLE instance_secrets (
    name   TEXT PRIMARY KEY,
    value  BYTEA NOT NULL
);
-- 32 bytes from two random UUIDs (PostgreSQL's strong random source; no extension needed).
INSERT INTO instance_secrets (name, value)
    VALUES ('pseudonym_key', sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')));

CREATE TABLE departed_guilds (
    guild_id  BIGINT PRIMARY KEY,
    left_at   TEXT COLLATE "C" NOT NULL
);

ALTER TABLE summary_schedules ADD COLUMN paused_at TEXT COLLATE "C";
ALTER TABLE summary_schedules ADD COLUMN paused_reason TEXT;
