-- Factions are shown from a number of voters, in groups of at least a size: per server now.
-- NULL: the bot-wide value (FACTION_MIN_VOTERS, FACTION_MIN_SIZE), which may change later.
ALTER TABLE guild_settings ADD COLUMN faction_min_voters INTEGER
    CHECK (faction_min_voters IS NULL OR faction_min_voters >= 2);
ALTER TABLE guild_settings ADD COLUMN faction_min_size INTEGER
    CHECK (faction_min_size IS NULL OR faction_min_size >= 1);
