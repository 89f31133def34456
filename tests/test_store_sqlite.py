"""The store on a real SQLite file: migrations, the projection, the batched writer's policy."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from firstword.config import StoreConfig
from firstword.events import Event
from firstword.store import schema
from firstword.store.base import SessionStatus
from firstword.store.database import sqlite_path
from firstword.store.projection import (
    AppendEvent,
    CloseSession,
    OpenSession,
    ProjectionState,
    project,
)
from firstword.store.sqlstore import SqlStore
from firstword.store.write import write_plan
from tests.store_scenario import (
    CallTimer,
    assert_scenario_history,
    record,
    session_events,
    write_session,
)


def sqlite_url(tmp_path: Path, name: str = "store.sqlite3") -> str:
    return f"sqlite+aiosqlite:///{tmp_path / name}"


@pytest.fixture
async def open_store(tmp_path: Path) -> AsyncIterator[Callable[..., SqlStore]]:
    """Factory for started stores on one file, closed at the end of the test."""
    stores: list[SqlStore] = []

    def make(node_id: str = "node-a", url: str | None = None, **config: int) -> SqlStore:
        store = SqlStore(url or sqlite_url(tmp_path), node_id=node_id, config=StoreConfig(**config))
        stores.append(store)
        return store

    yield make
    for store in stores:
        await store.aclose()


async def stored_seqs(store: SqlStore, session_id: str) -> list[int]:
    e = schema.events
    async with store.engine.connect() as conn:
        rows = await conn.execute(sa.select(e.c.seq).where(e.c.session_id == session_id).order_by(e.c.seq))
        return [seq for (seq,) in rows]


async def wait_until(predicate: Callable[[], object], timeout_s: float = 3.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not await _result(predicate()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def _result(value: object) -> object:
    return await value if asyncio.iscoroutine(value) else value


def delta(seq: int, turn: int = 1) -> Event:
    return Event(
        "answer.delta", {"answer_id": 1, "text": f" w{seq}"}, turn=turn, seq=seq, ts=1_700_000_000.0 + seq
    )


async def test_migrates_an_empty_database_in_a_new_directory(tmp_path: Path, open_store) -> None:
    url = sqlite_url(tmp_path / "not" / "yet")
    store = open_store(url=url)
    await store.start()
    path = sqlite_path(url)
    assert path is not None and path.is_file()
    async with store.engine.connect() as conn:
        version = (await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalar()
        # The migration creates exactly what schema.py describes (no drift between the two).
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), schema.metadata)
        )
    assert version == "0004"
    assert diff == []
    # Migrating again (every start does) is a no-op.
    again = open_store(url=url)
    await again.start()


async def test_a_whole_session_reads_back_as_history(open_store) -> None:
    # Small batches: the answers' deltas are spread over several commits.
    store = open_store(flush_events=3, flush_ms=20)
    await store.start()
    write_session(store, "s-full")
    await store.flush()
    assert_scenario_history(await store.history("s-full"), "s-full")
    assert await stored_seqs(store, "s-full") == [e.seq for e in session_events()]
    assert store.stats().dropped == 0 and store.stats().buffered == 0
    assert await store.history("no-such-session") is None


async def test_list_is_newest_first_with_turn_counts_and_titles(open_store) -> None:
    store = open_store()
    await store.start()
    write_session(store, "older")
    store.session_opened(record("newer", created_at=1_700_000_500.0))
    await store.flush()
    listed = await store.list_sessions()
    assert [s.session_id for s in listed] == ["newer", "older"]
    assert [(s.turns, s.title, s.status) for s in listed] == [
        (0, "", SessionStatus.ACTIVE),
        (2, "Why do you want this job?", SessionStatus.CLOSED),
    ]
    assert [s.session_id for s in await store.list_sessions(limit=1, offset=1)] == ["older"]


async def test_flushes_when_flush_events_are_waiting(open_store) -> None:
    store = open_store(flush_events=5, flush_ms=60_000)
    await store.start()
    store.session_opened(record("count"))
    for seq in range(1, 5):
        store.append("count", delta(seq))
    # Five ops (the session and four events): the count is reached, no flush() needed.
    await wait_until(lambda: _has(store, "count", 4))
    for seq in range(5, 8):
        store.append("count", delta(seq))
    await asyncio.sleep(0.3)
    # Three waiting: neither the count nor (a minute) the time has come.
    assert await stored_seqs(store, "count") == [1, 2, 3, 4]
    assert store.stats().buffered == 3


async def test_flushes_after_flush_ms(open_store) -> None:
    store = open_store(flush_events=1_000, flush_ms=100)
    await store.start()
    store.session_opened(record("time"))
    started = time.monotonic()
    for seq in range(1, 4):
        store.append("time", delta(seq))
    await wait_until(lambda: _has(store, "time", 3))
    assert time.monotonic() - started < 1.5


async def _has(store: SqlStore, session_id: str, n: int) -> bool:
    return len(await stored_seqs(store, session_id)) == n


async def test_a_retried_batch_writes_nothing_twice(open_store) -> None:
    """A commit whose acknowledgement is lost is retried from the same projection state."""
    store = open_store()
    await store.start()
    events = session_events()
    half = len(events) // 2
    first = [OpenSession(record("retry"))] + [AppendEvent("retry", e) for e in events[:half]]
    second = [AppendEvent("retry", e) for e in events[half:]] + [CloseSession("retry", 1_700_000_100.0)]
    state = ProjectionState()
    for batch in (first, second):
        plan, next_state = project(batch, state)
        for _ in range(2):  # the retry: same plan, from the same state
            async with store.engine.begin() as conn:
                await write_plan(conn, plan)
        state = next_state
    assert await stored_seqs(store, "retry") == [e.seq for e in events]
    assert_scenario_history(await store.history("retry"), "retry")
    async with store.engine.connect() as conn:
        for table in (schema.answers, schema.transcripts, schema.turns, schema.profiles):
            n = (
                await conn.execute(
                    sa.select(sa.func.count()).select_from(table).where(table.c.session_id == "retry")
                )
            ).scalar()
            assert n == {"answers": 3, "transcripts": 3, "turns": 2, "profiles": 1}[table.name], table.name


async def test_graceful_close_writes_everything_buffered(tmp_path: Path, open_store) -> None:
    store = open_store(flush_events=100_000, flush_ms=600_000)
    await store.start()
    write_session(store, "closing")
    assert store.stats().written == 0
    await store.aclose()
    assert store.stats().buffered == 0
    reopened = open_store()
    await reopened.start()
    assert_scenario_history(await reopened.history("closing"), "closing")


async def test_restart_marks_only_this_nodes_active_sessions_interrupted(open_store) -> None:
    a = open_store(node_id="node-a")
    b = open_store(node_id="node-b")
    await a.start()
    await b.start()
    write_session(a, "a-cut", "node-a", close=False)
    write_session(a, "a-done", "node-a")
    b.session_opened(record("b-live", "node-b"))
    await a.aclose()  # as if node-a died: its open session was never closed
    await b.flush()

    restarted = open_store(node_id="node-a")
    await restarted.start()
    status = {s.session_id: s.status for s in await restarted.list_sessions()}
    assert status == {
        "a-cut": SessionStatus.INTERRUPTED,
        "a-done": SessionStatus.CLOSED,
        "b-live": SessionStatus.ACTIVE,  # another node's: still being served there
    }
    cut = await restarted.history("a-cut")
    assert cut is not None and cut.summary.status is SessionStatus.INTERRUPTED
    # Interrupted at its last event, and fully readable.
    assert cut.summary.closed_at == session_events()[-1].ts
    assert [len(t.answers) for t in cut.turns] == [1, 2]


async def test_past_the_bound_the_oldest_events_are_dropped_and_session_records_kept(
    open_store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="firstword.store")
    store = open_store(max_buffered_events=10, flush_events=1_000, flush_ms=60_000)
    # Not started: nothing is written, as while the database is away.
    store.session_opened(record("bound"))
    for seq in range(1, 26):
        store.append("bound", delta(seq))
    store.profile_changed("bound", {"resume": "new"})
    store.session_closed("bound")
    stats = store.stats()
    assert (stats.dropped, stats.buffered) == (15, 13)  # 10 events + opened, profile, closed

    await store.start()
    await store.flush()
    assert await stored_seqs(store, "bound") == list(range(16, 26))
    history = await store.history("bound")
    assert history is not None
    assert history.summary.status is SessionStatus.CLOSED and history.profile == {"resume": "new"}
    assert any(
        r.levelno == logging.ERROR and "dropped the 15 oldest" in r.getMessage() for r in caplog.records
    ), caplog.text


async def test_a_record_the_database_refuses_is_dropped_alone(
    open_store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="firstword.store")
    store = open_store(flush_events=4, flush_ms=20)
    await store.start()
    store.session_opened(record("good"))
    store.append("good", delta(1))
    store.append("never-opened", delta(1))  # no such session: the foreign key refuses it
    store.append("good", delta(2))
    await store.flush()
    assert await stored_seqs(store, "good") == [1, 2]
    assert store.stats().dropped == 1
    assert "refused 1 of" in caplog.text


async def test_append_is_synchronous_and_cheap(open_store) -> None:
    store = open_store(flush_events=10, flush_ms=50)
    await store.start()
    store.session_opened(record("fast"))
    with CallTimer() as timer:
        for seq in range(1, 2_001):
            timer(store.append, "fast", delta(seq))
            if seq % 50 == 0:
                await asyncio.sleep(0)  # let the writer run between bursts, as the loop would
    await store.flush()
    timer.assert_each_under(0.001)
    assert len(await stored_seqs(store, "fast")) == 2_000


async def test_retries_back_off_exponentially_up_to_the_cap_without_spinning() -> None:
    """A database that fails at once (never suspending) still gets the backoff's cadence."""
    from firstword.store.writer import BatchWriter, WriterPolicy

    attempts: list[float] = []

    async def refuse(ops: list) -> None:
        attempts.append(time.monotonic())
        raise OSError("connection refused")

    writer = BatchWriter(
        refuse,
        WriterPolicy(flush_events=1, flush_ms=10, retry_initial_ms=20, retry_max_ms=80),
        is_transient=lambda exc: True,
    )
    writer.start()
    writer.offer(OpenSession(record("backoff")))
    await asyncio.sleep(0.45)
    await writer.flush()  # one immediate try, which fails: flush returns rather than waiting
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert 5 <= len(attempts) <= 9, gaps
    assert gaps[0] >= 0.018 and gaps[1] >= 0.038 and all(g < 0.2 for g in gaps)
    assert writer.stats().buffered == 1 and writer.stats().last_error == "OSError: connection refused"
    await writer.aclose(timeout_s=0.1)


async def test_an_answer_streaming_when_the_node_died_reads_as_cancelled_interrupted_after_restart(open_store) -> None:
    store = open_store(node_id="node-a")
    await store.start()
    store.session_opened(record("cut-mid-answer", "node-a"))
    # The scenario up to its first answer's words, as if the process died while it streamed.
    events = session_events()
    first_done = next(i for i, e in enumerate(events) if e.type == "answer.done")
    for event in events[:first_done]:
        store.append("cut-mid-answer", event)
    await store.flush()
    await store.aclose()

    restarted = open_store(node_id="node-a")
    await restarted.start()
    history = await restarted.history("cut-mid-answer")
    assert history is not None and history.summary.status is SessionStatus.INTERRUPTED
    answers = [a for t in history.turns for a in t.answers]
    assert answers and all(a.status != "streaming" for a in answers)
    cut = next(a for a in answers if a.answer_id == 1)
    assert (cut.status, cut.cancel_reason) == ("cancelled", "interrupted")
    assert cut.text == "I care about patients."
