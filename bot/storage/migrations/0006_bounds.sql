-- Debate edits carry a revision: an edit made from an older revision is refused instead of
-- silently undoing another admin's change (bot/storage/debates.py, revise).
ALTER TABLE debates ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

-- Removing an item rewrites every revision of the debate's ballots; without this index that
-- scan read the whole table under the write lock.
CREATE INDEX ballots_debate ON ballots (debate_id);

-- History retention: each member keeps the newest revisions of their ballot on a debate
-- (BallotRepository.KEEP_REVISIONS, the current one always among them); older ones are
-- deleted and only counted here, so "/myvote: after changing it N times" stays true.
CREATE TABLE ballot_history_compacted (
    guild_id    INTEGER NOT NULL,
    debate_id   INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL,
    revisions   INTEGER NOT NULL CHECK (revisions >= 0),
    PRIMARY KEY (guild_id, debate_id, member_id)
);
