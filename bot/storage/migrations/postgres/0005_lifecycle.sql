-- PostgreSQL twin of ../0005_lifecycle.sql.
ALTER TABLE guild_debates ADD COLUMN closes_at TEXT COLLATE "C";
ALTER TABLE guild_debates ADD COLUMN announce_channel_id BIGINT;
CREATE INDEX guild_debates_closing ON guild_debates (closes_at) WHERE closes_at IS NOT NULL;

ALTER TABLE summary_posts ADD COLUMN kind TEXT NOT NULL DEFAULT 'summary'
    CHECK (kind IN ('summary', 'reveal'));
