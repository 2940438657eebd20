-- Scheduled summaries: at most one schedule per server and debate. Times are UTC ISO strings
-- written by bot/storage/_util.to_iso, so they compare correctly as text.
CREATE TABLE summary_schedules (
    guild_id    INTEGER NOT NULL,
    debate_id   INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    channel_id  INTEGER NOT NULL,
    every       TEXT NOT NULL CHECK (every IN ('daily', 'weekly')),
    hour        INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    weekday     INTEGER CHECK (weekday BETWEEN 0 AND 6),  -- weekly only; Monday is 0
    next_due    TEXT NOT NULL,
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, debate_id)
);
CREATE INDEX summary_schedules_due ON summary_schedules (next_due);

-- Every summary posted or being posted, scheduled or not. A row is written ('claimed') before
-- the message is sent and marked 'sent' after, so a restart can tell what it already did.
-- snapshot is JSON: what the summary showed (method, voters, places, ballot mark), so the next
-- summary and the leaderboard can say what changed since.
CREATE TABLE summary_posts (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    debate_id   INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    channel_id  INTEGER NOT NULL,
    slot        TEXT,  -- the scheduled time this post answers; NULL for /summary post
    nonce       TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'failed', 'abandoned')),
    snapshot    TEXT NOT NULL,
    claimed_at  TEXT NOT NULL,
    sent_at     TEXT,
    message_id  INTEGER,
    error       TEXT
);
-- A scheduled slot is posted at most once, whatever happens to the process.
CREATE UNIQUE INDEX summary_posts_slot ON summary_posts (guild_id, debate_id, slot)
    WHERE slot IS NOT NULL;
CREATE INDEX summary_posts_latest ON summary_posts (guild_id, debate_id, status, id);
CREATE INDEX summary_posts_claimed ON summary_posts (status) WHERE status = 'claimed';
