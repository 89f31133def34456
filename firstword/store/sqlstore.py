"""The ``Store`` on SQLAlchemy: SQLite by default, PostgreSQL by URL, one implementation.

Write side: ops go to a ``BatchWriter`` (nothing is awaited on the token path); each batch is
projected into rows and written in one transaction. Read side: ``HistoryReader``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from firstword.config import Settings, StoreConfig
from firstword.events import Event
from firstword.store import schema
from firstword.store.base import (
    SessionHistory,
    SessionRecord,
    SessionStatus,
    SessionSummary,
    WriterStats,
)
from firstword.store.database import (
    StoreUnavailable,
    create_engine,
    describe_error,
    display_url,
    is_transient,
    migrate,
)
from firstword.store.projection import (
    AppendEvent,
    ChangeProfile,
    CloseSession,
    Op,
    OpenSession,
    ProjectionState,
    project,
)
from firstword.store.reader import HistoryReader
from firstword.store.write import write_plan
from firstword.store.writer import CLOSE_TIMEOUT_S, BatchWriter, WriterPolicy

log = logging.getLogger("firstword.store")


def token_hash(token: str) -> str:
    """What is stored of an owner token (and what a presented token is compared against)."""
    return hashlib.sha256(token.encode()).hexdigest()


def policy_from(config: StoreConfig) -> WriterPolicy:
    return WriterPolicy(
        flush_events=max(1, config.flush_events),
        flush_ms=max(1, config.flush_ms),
        max_buffered_events=max(1, config.max_buffered_events),
        retry_initial_ms=max(1, config.retry_initial_ms),
        retry_max_ms=max(config.retry_initial_ms, config.retry_max_ms),
    )


# The cancel reason of an answer cut off by the process's stop (not one of the live reasons:
# no event ever said it, the restart found it).
INTERRUPTED_ANSWER = "interrupted"


class SqlStore:
    def __init__(self, url: str, *, node_id: str, config: StoreConfig | None = None) -> None:
        self.url = url
        self.node_id = node_id
        self.engine: AsyncEngine = create_engine(url)
        self._reader = HistoryReader(self.engine)
        self._state = ProjectionState()
        # Profile versions are numbered here, when offered, so a retried batch reuses them.
        self._profile_versions: dict[str, int] = {}
        self._writer = BatchWriter(
            self._commit, policy_from(config or StoreConfig()), is_transient=is_transient
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> SqlStore:
        return cls(settings.store_url(), node_id=settings.resolved_node_id(), config=settings.store)

    async def start(self) -> None:
        try:
            await migrate(self.engine)
            interrupted = await self._mark_interrupted()
        except Exception as exc:
            raise StoreUnavailable(
                f"store: cannot open {display_url(self.url)}: {describe_error(exc)}"
            ) from exc
        if interrupted:
            log.warning(
                "store: %d sessions of node %r were cut off by its last stop; marked interrupted",
                interrupted,
                self.node_id,
            )
        self._writer.start()

    async def _mark_interrupted(self) -> int:
        s, e, a = schema.sessions, schema.events, schema.answers
        cut_off = sa.select(s.c.id).where(s.c.status == SessionStatus.ACTIVE.value, s.c.node_id == self.node_id)
        # An answer that was streaming when the process died would otherwise read "streaming"
        # in its history for ever: it ended there, cut off.
        answers = (
            sa.update(a)
            .where(a.c.status == "streaming", a.c.session_id.in_(cut_off))
            .values(status="cancelled", cancel_reason=INTERRUPTED_ANSWER)
        )
        last_event = sa.select(sa.func.max(e.c.ts)).where(e.c.session_id == s.c.id).scalar_subquery()
        sessions = (
            sa.update(s)
            .where(s.c.status == SessionStatus.ACTIVE.value, s.c.node_id == self.node_id)
            .values(
                status=SessionStatus.INTERRUPTED.value, closed_at=sa.func.coalesce(last_event, s.c.created_at)
            )
        )
        async with self.engine.begin() as conn:
            await conn.execute(answers)
            result = await conn.execute(sessions)
        return int(result.rowcount or 0)

    # ----- write side ---------------------------------------------------------------------------

    def session_opened(self, record: SessionRecord) -> None:
        self._profile_versions[record.session_id] = 1
        self._writer.offer(OpenSession(record))

    def profile_changed(self, session_id: str, profile: dict[str, Any]) -> None:
        version = self._profile_versions.get(session_id, 1) + 1
        self._profile_versions[session_id] = version
        self._writer.offer(ChangeProfile(session_id, version, dict(profile), time.time()))

    def append(self, session_id: str, event: Event) -> None:
        self._writer.offer(AppendEvent(session_id, event))

    def session_closed(self, session_id: str) -> None:
        self._profile_versions.pop(session_id, None)
        self._writer.offer(CloseSession(session_id, time.time()))

    async def flush(self) -> None:
        await self._writer.flush()

    async def aclose(self, timeout_s: float = CLOSE_TIMEOUT_S) -> None:
        await self._writer.aclose(timeout_s)
        await self.engine.dispose()

    def stats(self) -> WriterStats:
        return self._writer.stats()

    async def _commit(self, ops: list[Op]) -> None:
        plan, state = project(ops, self._state)
        async with self.engine.begin() as conn:
            await write_plan(conn, plan)
        # Only now: a batch that failed is projected again from the same state.
        self._state = state

    # ----- read side ----------------------------------------------------------------------------

    async def list_sessions(self, *, limit: int = 50, offset: int = 0) -> list[SessionSummary]:
        return await self._reader.list_sessions(limit=limit, offset=offset)

    async def history(self, session_id: str) -> SessionHistory | None:
        return await self._reader.history(session_id)
