"""Engines, migrations and error classes shared by the writer, the reader and the tools.

One code path serves SQLite (aiosqlite, the default: a file in the data directory) and
PostgreSQL (asyncpg); what differs is set up here: SQLite's pragmas, PostgreSQL's timeouts and
the migration lock, and the dialect's ``INSERT ... ON CONFLICT``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from firstword.events.envelope import encodable

# Alembic announces each of its autogenerate plugins at INFO when imported: seven lines of noise
# in the server's log at every start, about a feature the server never uses.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

from alembic import command
from alembic.config import Config
from sqlalchemy import event as sa_event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD = "head"
# Any constant works; it only has to be the same for every node migrating one database.
_MIGRATION_LOCK_KEY = 0x6669727374776F72  # "firstwor"
# A connection attempt to an unreachable PostgreSQL must fail within the retry cadence rather
# than hang the writer.
PG_CONNECT_TIMEOUT_S = 5.0
PG_COMMAND_TIMEOUT_S = 30.0


class StoreUnavailable(RuntimeError):
    """The database could not be reached or migrated at start-up."""


def _json_dumps(value: Any) -> str:
    # Event payloads are JSON by construction (they go out on the wire as is); ``default=str``
    # only keeps an odd value (a Path, a numpy float) from making a whole batch unwritable.
    return encodable(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str))


def is_sqlite(url: str | sa.URL) -> bool:
    return sa.make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str | sa.URL) -> Path | None:
    """The database file of a SQLite URL, or None (memory database, another backend)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def display_url(url: str | sa.URL) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


def create_engine(url: str) -> AsyncEngine:
    """An async engine for ``url``; a SQLite file's directory is created if missing."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(parsed, json_serializer=_json_dumps)
        sa_event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        parsed,
        json_serializer=_json_dumps,
        # A pooled connection may have died with the network; test it before use, so the first
        # flush after an outage does not fail on a stale connection.
        pool_pre_ping=True,
        connect_args={"timeout": PG_CONNECT_TIMEOUT_S, "command_timeout": PG_COMMAND_TIMEOUT_S},
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers (history) never block the writer. synchronous=NORMAL: a commit survives the
    # process being killed (only a power cut can lose the last commits), without an fsync each.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def insert(engine_or_conn: Any, table: sa.Table) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_nothing`` / ``on_conflict_do_update``."""
    return insert_for(engine_or_conn.dialect.name, table)


def insert_for(name: str, table: sa.Table) -> Any:
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"unsupported database {name!r}: use SQLite or PostgreSQL")


def greatest(column: sa.ColumnElement[Any], value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    # SQLite's two-argument max() and PostgreSQL's GREATEST() differ; CASE is the same on both.
    return sa.case((column < value, value), else_=column)


async def migrate(engine: AsyncEngine, revision: str = HEAD) -> None:
    """Bring the schema to ``revision``: Alembic, configured in code, on the engine's connection."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Nodes starting together would race to create the tables; the lock serialises them
            # (released at commit).
            await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        await conn.run_sync(_upgrade, revision)


def alembic_config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: sa.Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


def is_transient(exc: BaseException) -> bool:
    """Whether a failed write may succeed if retried unchanged (the database is away or busy)
    rather than being refused for what it contains."""
    if isinstance(
        exc, (sa_exc.IntegrityError, sa_exc.DataError, sa_exc.ProgrammingError, sa_exc.NotSupportedError)
    ):
        return False
    if isinstance(exc, sa_exc.StatementError) and not isinstance(exc, sa_exc.DBAPIError):
        # Raised before reaching the database: a value that cannot be bound or serialised.
        return isinstance(exc.orig, (OSError, asyncio.TimeoutError))
    # Everything else: OperationalError / InterfaceError / DBAPIError (connection refused, reset,
    # SQLite "database is locked"), OSError, timeouts; the next try may work. A plain TypeError
    # and its kin are a value the code could not handle, which no retry changes.
    return not isinstance(exc, (TypeError, ValueError, KeyError, AttributeError))


def describe_error(exc: BaseException) -> str:
    """One short line for the log: the driver's own message without SQLAlchemy's SQL dump."""
    inner: BaseException = exc
    if isinstance(exc, sa_exc.StatementError) and exc.orig is not None:
        inner = exc.orig
    text = str(inner).strip().splitlines()[0] if str(inner).strip() else ""
    name = type(inner).__name__
    line = f"{name}: {text}" if text else name
    return line if len(line) <= 200 else line[:199] + "…"
