"""Settings of the exchange, read from the environment (``HRHX_*`` and ``DATABASE_URL``).

``get_settings()`` is cached so that every part of the process sees one configuration; tests clear
the cache (``get_settings.cache_clear()``) after changing the environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from solver.limits import MAX_CLASS_PAIRS

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    """Process-wide configuration."""

    model_config = SettingsConfigDict(env_prefix="HRHX_", extra="ignore")

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "HRHX_DATABASE_URL")
    )
    solver_time_limit_s: float = 60.0
    max_round_postings: int = 200_000
    max_round_class_pairs: int = MAX_CLASS_PAIRS  # the model's columns, its memory
    solve_in_child: bool = (
        True  # a server's rounds in a child process (exchange.rounds.solver_process)
    )
    max_page_size: int = 500
    max_body_bytes: int = 1_000_000
    rate_limit_per_minute: int = 600
    page_cache_mb: int = 32

    @property
    def effective_database_url(self) -> str:
        """The database to use: ``DATABASE_URL`` or an embedded SQLite file under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'hrhx.sqlite3').as_posix()}"


@lru_cache
def get_settings() -> Settings:
    """The cached settings of this process."""
    return Settings()
