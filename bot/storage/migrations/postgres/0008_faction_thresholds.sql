-- PostgreSQL twin of ../0008_faction_thresholds.sql.
ALTER TABLE guild_settings ADD COLUMN faction_min_voters INTEGER
    CHECK (faction_min_voters IS NULL OR faction_min_voters >= 2);
ALTER TABLE guild_settings ADD COLUMN faction_min_size INTEGER
    CHECK (faction_min_size IS NULL OR faction_min_size >= 1);
