-- Debates: catalog debates (guild_id NULL, loaded from data/) and servers' own debates.
CREATE TABLE debates (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER,
    slug        TEXT NOT NULL,
    title       TEXT NOT NULL,
    question    TEXT NOT NULL,
    author      TEXT NOT NULL,
    source      TEXT,
    created_by  INTEGER,
    created_at  TEXT NOT NULL
);
-- COALESCE because SQLite treats NULLs as distinct in unique indexes.
CREATE UNIQUE INDEX debates_guild_slug ON debates (COALESCE(guild_id, 0), slug);

-- Items in the author's order. Ballots refer to item ids, so renaming an item keeps every ballot.
CREATE TABLE items (
    id          INTEGER PRIMARY KEY,
    debate_id   INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    aliases     TEXT NOT NULL DEFAULT '[]',
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX items_debate ON items (debate_id, position);

-- Per-server state of a debate; a missing row means open.
CREATE TABLE guild_debates (
    guild_id    INTEGER NOT NULL,
    debate_id   INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    is_open     INTEGER NOT NULL DEFAULT 1 CHECK (is_open IN (0, 1)),
    closed_at   TEXT,
    PRIMARY KEY (guild_id, debate_id)
);

CREATE TABLE guild_settings (
    guild_id           INTEGER PRIMARY KEY,
    current_debate_id  INTEGER REFERENCES debates (id) ON DELETE SET NULL,
    min_voters         INTEGER NOT NULL DEFAULT 3 CHECK (min_voters >= 1),
    hide_members       INTEGER NOT NULL DEFAULT 0 CHECK (hide_members IN (0, 1)),
    default_method     TEXT NOT NULL DEFAULT 'schulze',
    admin_role_id      INTEGER
);

-- Every revision of every ballot, never updated except to mark a withdrawal.
-- tiers is JSON: a list of tiers (best first), each a list of item ids; absent items are unranked.
CREATE TABLE ballots (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    debate_id     INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL,
    tiers         TEXT NOT NULL,
    reason        TEXT,
    created_at    TEXT NOT NULL,
    withdrawn_at  TEXT
);
CREATE INDEX ballots_member ON ballots (guild_id, debate_id, member_id, id);

-- The current ballot of each member: the one that counts.
CREATE TABLE current_ballots (
    guild_id    INTEGER NOT NULL,
    debate_id   INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL,
    ballot_id   INTEGER NOT NULL REFERENCES ballots (id) ON DELETE CASCADE,
    PRIMARY KEY (guild_id, debate_id, member_id)
);
