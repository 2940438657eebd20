"""Storage: the database (SQLite or PostgreSQL), migrations and the repositories. All SQL
lives here."""

from typing import TYPE_CHECKING, Any

from bot.storage._cache import KeptRows
from bot.storage.ballots import BallotRepository
from bot.storage.database import Database
from bot.storage.debates import DebateRepository
from bot.storage.duels import DuelRepository
from bot.storage.settings import SettingsRepository

if TYPE_CHECKING:
    from bot.storage.postgres import PostgresDatabase

__all__ = [
    "BallotRepository",
    "Database",
    "DebateRepository",
    "DuelRepository",
    "KeptRows",
    "PostgresDatabase",
    "SettingsRepository",
]


def __getattr__(name: str) -> Any:
    # PostgreSQL's driver (asyncpg) takes a tenth of a second to import: a SQLite bot, and
    # every start before it knows which database it opens, does without it.
    if name == "PostgresDatabase":
        from bot.storage.postgres import PostgresDatabase

        return PostgresDatabase
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
