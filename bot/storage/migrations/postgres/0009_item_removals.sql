-- PostgreSQL twin of ../0009_item_removals.sql.
CREATE TABLE item_removals (
    debate_id     BIGINT NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    item_id       BIGINT NOT NULL,
    done_through  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (debate_id, item_id)
);

-- The batches walk a debate's revisions in id order: SQLite's ballots_debate index holds the
-- rowid after debate_id, PostgreSQL's needs the id spelled out to give that order cheaply.
DROP INDEX ballots_debate;
CREATE INDEX ballots_debate ON ballots (debate_id, id);
