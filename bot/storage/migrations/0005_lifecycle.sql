-- Deadlines: when an open debate closes by itself in a server, and where its reveal goes.
-- closes_at is a UTC ISO string (bot/storage/_util.to_iso), so it compares as text.
ALTER TABLE guild_debates ADD COLUMN closes_at TEXT;
ALTER TABLE guild_debates ADD COLUMN announce_channel_id INTEGER;
CREATE INDEX guild_debates_closing ON guild_debates (closes_at) WHERE closes_at IS NOT NULL;

-- A reveal is a summary posted when a debate closes at its deadline; it follows the same
-- claim-and-nonce rules as every other post (bot/summary_poster.py). Its slot is NULL: it is
-- claimed in the same transaction that closes the debate, only while the debate is still open
-- with that deadline, so a deadline is revealed at most once whatever happens to the process.
ALTER TABLE summary_posts ADD COLUMN kind TEXT NOT NULL DEFAULT 'summary'
    CHECK (kind IN ('summary', 'reveal'));
