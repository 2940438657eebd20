-- Privacy and the lifecycle of servers and schedules (issue 13).

-- Exports name members by a per-debate pseudonym unless the server turns that off.
ALTER TABLE guild_settings ADD COLUMN pseudonymous_exports INTEGER NOT NULL DEFAULT 1
    CHECK (pseudonymous_exports IN (0, 1));

-- Made once per installation: the key that turns member ids into export pseudonyms, so the
-- same member gets the same pseudonym in every export of a debate and nobody can reverse it.
CREATE TABLE instance_secrets (
    name   TEXT PRIMARY KEY,
    value  BLOB NOT NULL
);
INSERT INTO instance_secrets (name, value) VALUES ('pseudonym_key', randomblob(32));

-- Servers the bot left: their data is kept in case it is invited back, then deleted.
CREATE TABLE departed_guilds (
    guild_id  INTEGER PRIMARY KEY,
    left_at   TEXT NOT NULL
);

-- A schedule that cannot post (the bot left the server, the channel is gone or unwritable)
-- is paused with the reason, instead of failing at every slot.
ALTER TABLE summary_schedules ADD COLUMN paused_at TEXT;
ALTER TABLE summary_schedules ADD COLUMN paused_reason TEXT;
