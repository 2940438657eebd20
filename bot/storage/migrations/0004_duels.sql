-- Duel sessions: one member ranking one debate by answering "A or B?", at most one per
-- member, server and debate. state is the tournament so far as JSON (bot/ranking/duel.py);
-- step counts the answers given, so a click on an old question can be told from a new one.
-- AUTOINCREMENT: an id is never reused, so a button of an ended session can't reach a new one.
CREATE TABLE duel_sessions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    debate_id   INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL,
    state       TEXT NOT NULL,
    step        INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (guild_id, debate_id, member_id)
);
-- Sessions idle for a day are dropped.
CREATE INDEX duel_sessions_idle ON duel_sessions (updated_at);
