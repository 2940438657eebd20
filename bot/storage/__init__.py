"""Storage: the database (SQLite or PostgreSQL), migrations and the repositories. All SQL
lives here."""

from bot.storage.ballots import BallotRepository
from bot.storage.database import Database
from bot.storage.debates import DebateRepository
from bot.storage.duels import DuelRepository
from bot.storage.postgres import PostgresDatabase
from bot.storage.settings import SettingsRepository

__all__ = [
    "BallotRepository",
    "Database",
    "DebateRepository",
    "DuelRepository",
    "PostgresDatabase",
    "SettingsRepository",
]
