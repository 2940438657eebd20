-- PostgreSQL twin of ../0006_bounds.sql.
ALTER TABLE debates ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

CREATE INDEX ballots_debate ON ballots (debate_id);

CREATE TABLE ballot_history_compacted (
    guild_id    BIGINT NOT NULL,
    debate_id   BIGINT NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    member_id   BIGINT NOT NULL,
    revisions   INTEGER NOT NULL CHECK (revisions >= 0),
    PRIMARY KEY (guild_id, debate_id, member_id)
);
