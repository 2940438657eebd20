"""Ranking Debates: the bot core. Cogs in ``cogs/`` build on it; nothing here imports them."""
