-- Running a debate (issue 14): hidden results, who may vote, reminders, predictions.

-- Server defaults. results: 'after-close' hides the consensus and everything derived from it
-- while a debate is open. voter_role_id NULL: anyone may vote; min_member_days 0: no wait.
ALTER TABLE guild_settings ADD COLUMN results TEXT NOT NULL DEFAULT 'live'
    CHECK (results IN ('live', 'after-close'));
ALTER TABLE guild_settings ADD COLUMN voter_role_id INTEGER;
ALTER TABLE guild_settings ADD COLUMN min_member_days INTEGER NOT NULL DEFAULT 0
    CHECK (min_member_days >= 0);

-- The same, per debate in a server; NULL follows the server. A voter_role_id of 0 means
-- "anyone", overriding a server role for this debate.
ALTER TABLE guild_debates ADD COLUMN results TEXT CHECK (results IN ('live', 'after-close'));
ALTER TABLE guild_debates ADD COLUMN voter_role_id INTEGER;
ALTER TABLE guild_debates ADD COLUMN min_member_days INTEGER CHECK (min_member_days >= 0);

-- When the reminder of the current deadline is due (UTC ISO, compared as text); set with the
-- deadline and cleared in the transaction that claims the reminder, so it is posted once.
ALTER TABLE guild_debates ADD COLUMN remind_at TEXT;
CREATE INDEX guild_debates_reminding ON guild_debates (remind_at) WHERE remind_at IS NOT NULL;

-- Members who asked to be reminded before a debate closes in a server.
CREATE TABLE reminder_requests (
    guild_id    INTEGER NOT NULL,
    debate_id   INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, debate_id, member_id)
);

-- Every reminder posted or being posted: claimed before sending, marked after, like
-- summary_posts. One per deadline. A reminder may take several messages (Discord's limits
-- on mentions); message i is sent with the nonce nonce || i.
CREATE TABLE reminder_posts (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    debate_id   INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    channel_id  INTEGER NOT NULL,
    closes_at   TEXT NOT NULL,
    nonce       TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'failed', 'abandoned')),
    claimed_at  TEXT NOT NULL,
    sent_at     TEXT,
    error       TEXT
);
CREATE UNIQUE INDEX reminder_posts_deadline ON reminder_posts (guild_id, debate_id, closes_at);
CREATE INDEX reminder_posts_claimed ON reminder_posts (status) WHERE status = 'claimed';

-- Each member's guess of the server's final order ("guess the server"); one per member,
-- replaced when edited. tiers is JSON like ballots.tiers.
CREATE TABLE predictions (
    guild_id    INTEGER NOT NULL,
    debate_id   INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL,
    tiers       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, debate_id, member_id)
);
