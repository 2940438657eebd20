-- Removing an item used to rewrite every stored revision of the debate inside the edit's own
-- transaction, holding the write lock (every server's saves waited) for seconds on a big
-- debate. Now the edit only records the removal here; the revisions are then stripped in
-- short batches (DebateRepository.finish_removals), each its own transaction, and a start
-- resumes what a stopped process left. done_through: the highest ballot id already stripped
-- of this item. Until then, readers leave out item ids the debate no longer has.
CREATE TABLE item_removals (
    debate_id     INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    item_id       INTEGER NOT NULL,
    done_through  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (debate_id, item_id)
);
