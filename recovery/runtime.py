"""Runtime: the per-app singletons (settings, database, clock, tokens, hasher) kept in app.extensions."""

from __future__ import annotations

from dataclasses import dataclass

from recovery.clock import Clock, SystemClock
from recovery.db import Database, Timeouts
from recovery.passwords import PasswordHasher
from recovery.settings import Settings
from recovery.tokens import Randomness, Tokens


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    tokens: Tokens
    passwords: PasswordHasher


def build_runtime(settings: Settings, *, clock: Clock | None = None, randomness: Randomness | None = None
                  ) -> Runtime:
    return Runtime(
        settings=settings,
        db=Database(settings.database_url, pre_ping=settings.database_pre_ping,
                    timeouts=Timeouts(statement=settings.database_statement_timeout_seconds,
                                      connect=settings.database_connect_timeout_seconds,
                                      pool=settings.database_pool_timeout_seconds)),
        clock=clock or SystemClock(),
        tokens=Tokens(settings.secret_key, randomness),
        passwords=PasswordHasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_cost,
                                 parallelism=settings.argon2_parallelism,
                                 max_concurrent=settings.argon2_max_concurrent),
    )
