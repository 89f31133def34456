"""The store on a real PostgreSQL: migrations, history, idempotence, restarts, and an outage.

Each test session creates its own database (random name) on the server at
``FIRSTWORD_TEST_POSTGRES_URL`` (default: trust auth on 127.0.0.1:5432) and drops it at the end.
A server that cannot be reached FAILS these tests: CI starts PostgreSQL, and a silent skip would
hide a broken setup. ``FIRSTWORD_TEST_SKIP_SERVICES=1`` skips them instead, loudly.

The outage is real: the store talks to PostgreSQL through a TCP proxy in the test, which is cut
(listener closed, connections reset) mid-session and later restored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from firstword.config import StoreConfig
from firstword.events import Event
from firstword.store import schema
from firstword.store.base import SessionStatus
from firstword.store.database import display_url
from firstword.store.projection import (
    AppendEvent,
    OpenSession,
    ProjectionState,
    project,
)
from firstword.store.sqlstore import SqlStore
from firstword.store.write import write_plan
from tests.conftest import free_port
from tests.store_scenario import (
    CallTimer,
    assert_scenario_history,
    record,
    session_events,
    write_session,
)

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
SERVER_URL = os.environ.get("FIRSTWORD_TEST_POSTGRES_URL") or DEFAULT_URL


async def _admin(statement: str) -> None:
    engine = create_async_engine(
        SERVER_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool, connect_args={"timeout": 5}
    )
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()


async def _create_database() -> str:
    name = f"firstword_test_{uuid.uuid4().hex[:12]}"
    try:
        await _admin(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server is reported as such
        where = display_url(SERVER_URL)
        if os.environ.get("FIRSTWORD_TEST_SKIP_SERVICES") == "1":
            pytest.skip(
                f"SKIPPING PostgreSQL store tests: {where} unreachable ({exc}) and FIRSTWORD_TEST_SKIP_SERVICES=1"
            )
        pytest.fail(
            f"PostgreSQL is not reachable at {where}: {type(exc).__name__}: {exc}. Start it (CI does), "
            "point FIRSTWORD_TEST_POSTGRES_URL at one, or set FIRSTWORD_TEST_SKIP_SERVICES=1 to skip.",
            pytrace=False,
        )
    return name


async def _drop_database(name: str) -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _url_of(name: str) -> sa.URL:
    return sa.make_url(SERVER_URL).set(database=name)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[sa.URL]:
    """A fresh database for this test session."""
    # Synchronous (its own short-lived loop): a session-scoped fixture outlives every test's loop.
    name = asyncio.run(_create_database())
    try:
        yield _url_of(name)
    finally:
        asyncio.run(_drop_database(name))


def url_string(url: sa.URL) -> str:
    return url.render_as_string(hide_password=False)


@pytest.fixture
async def open_store(pg_url: sa.URL) -> AsyncIterator[Callable[..., SqlStore]]:
    stores: list[SqlStore] = []

    def make(node_id: str, url: sa.URL | None = None, **config: int) -> SqlStore:
        store = SqlStore(url_string(url or pg_url), node_id=node_id, config=StoreConfig(**config))
        stores.append(store)
        return store

    yield make
    for store in stores:
        await store.aclose(timeout_s=2.0)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def stored_seqs(url: sa.URL, session_id: str) -> list[int]:
    """Read directly (not through the store under test, nor its proxy)."""
    engine = create_async_engine(url_string(url), poolclass=sa.pool.NullPool)
    try:
        async with engine.connect() as conn:
            e = schema.events
            rows = await conn.execute(
                sa.select(e.c.seq).where(e.c.session_id == session_id).order_by(e.c.seq)
            )
            return [seq for (seq,) in rows]
    finally:
        await engine.dispose()


def delta(seq: int) -> Event:
    return Event(
        "answer.delta", {"answer_id": 1, "text": f" w{seq}"}, turn=1, seq=seq, ts=1_700_000_000.0 + seq
    )


async def wait_until(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


class TcpProxy:
    """127.0.0.1:port → PostgreSQL; ``cut()`` is the database vanishing from the network."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._pipes: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        sink.transport.abort()

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.transport.abort()  # connection reset, not a polite goodbye
        self._writers.clear()
        for task in list(self._pipes):
            task.cancel()
        await asyncio.sleep(0)

    async def close(self) -> None:
        await self.cut()


@pytest.fixture
async def proxy(pg_url: sa.URL) -> AsyncIterator[TcpProxy]:
    p = TcpProxy(pg_url.host or "127.0.0.1", pg_url.port or 5432)
    await p.start()
    yield p
    await p.close()


def through(proxy: TcpProxy, url: sa.URL) -> sa.URL:
    return url.set(host="127.0.0.1", port=proxy.port)


async def test_migrates_an_empty_database() -> None:
    name = await _create_database()
    try:
        store = SqlStore(url_string(_url_of(name)), node_id=unique("mig"))
        try:
            await store.start()
            async with store.engine.connect() as conn:
                version = (await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalar()
                diff = await conn.run_sync(
                    lambda sync: compare_metadata(MigrationContext.configure(sync), schema.metadata)
                )
            assert version == "0004"
            assert diff == []
        finally:
            await store.aclose()
    finally:
        await _drop_database(name)


async def test_a_whole_session_reads_back_as_history(open_store) -> None:
    store = open_store(unique("node"), flush_events=3, flush_ms=20)
    await store.start()
    sid = unique("full")
    write_session(store, sid)
    await store.flush()
    assert_scenario_history(await store.history(sid), sid)
    assert sid in {s.session_id for s in await store.list_sessions(limit=500)}


async def test_a_retried_batch_writes_nothing_twice(open_store, pg_url: sa.URL) -> None:
    store = open_store(unique("node"))
    await store.start()
    sid = unique("retry")
    events = session_events()
    plan, _ = project([OpenSession(record(sid))] + [AppendEvent(sid, e) for e in events], ProjectionState())
    for _ in range(2):
        async with store.engine.begin() as conn:
            await write_plan(conn, plan)
    assert await stored_seqs(pg_url, sid) == [e.seq for e in events]
    history = await store.history(sid)
    assert history is not None and [len(t.answers) for t in history.turns] == [1, 2]


async def test_restart_marks_only_this_nodes_active_sessions_interrupted(open_store) -> None:
    node_a, node_b = unique("a"), unique("b")
    a, b = open_store(node_a), open_store(node_b)
    await a.start()
    await b.start()
    cut, live = unique("cut"), unique("live")
    write_session(a, cut, node_a, close=False)
    b.session_opened(record(live, node_b))
    await a.aclose()
    await b.flush()

    restarted = open_store(node_a)
    await restarted.start()
    cut_history = await restarted.history(cut)
    live_history = await restarted.history(live)
    assert cut_history is not None and cut_history.summary.status is SessionStatus.INTERRUPTED
    assert [t.question for t in cut_history.turns] == [
        "Why do you want this job?",
        "What is your biggest strength?",
    ]
    assert live_history is not None and live_history.summary.status is SessionStatus.ACTIVE


async def test_an_outage_loses_nothing_within_the_bound(
    open_store, proxy: TcpProxy, pg_url: sa.URL, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="firstword.store")
    store = open_store(
        unique("node"),
        url=through(proxy, pg_url),
        flush_events=5,
        flush_ms=30,
        retry_initial_ms=50,
        retry_max_ms=200,
    )
    await store.start()
    sid = unique("outage")
    store.session_opened(record(sid))
    for seq in range(1, 21):
        store.append(sid, delta(seq))
    await store.flush()
    assert await stored_seqs(pg_url, sid) == list(range(1, 21))

    await proxy.cut()
    with CallTimer() as timer:
        for seq in range(21, 221):
            timer(store.append, sid, delta(seq))
            if seq % 20 == 0:
                await asyncio.sleep(0.02)  # tokens keep coming while the writer fails and retries
    await wait_until(lambda: store.stats().failed_flushes >= 2)
    timer.assert_each_under(0.001)  # the database being away changes nothing for the caller
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "store: database unreachable (" in m and "events buffered (bound 100000), retrying in" in m
        for m in warnings
    ), caplog.text
    assert store.stats().buffered >= 200 and store.stats().dropped == 0

    await proxy.start()
    await wait_until(lambda: store.stats().buffered == 0)
    assert await stored_seqs(pg_url, sid) == list(range(1, 221))  # all there, none twice
    assert any(
        r.levelno == logging.INFO and "store: database back" in r.getMessage() for r in caplog.records
    ), caplog.text
    history = await store.history(sid)
    assert history is not None and history.summary.last_seq == 220


async def test_an_outage_past_the_bound_drops_the_oldest_events_only(
    open_store, proxy: TcpProxy, pg_url: sa.URL, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="firstword.store")
    store = open_store(
        unique("node"),
        url=through(proxy, pg_url),
        flush_events=5,
        flush_ms=30,
        retry_initial_ms=50,
        retry_max_ms=100,
        max_buffered_events=30,
    )
    await store.start()
    first, second = unique("first"), unique("second")
    store.session_opened(record(first))
    for seq in range(1, 21):
        store.append(first, delta(seq))
    await store.flush()

    await proxy.cut()
    store.session_opened(record(second))
    for seq in range(21, 121):
        store.append(first, delta(seq))
        if seq % 25 == 0:
            await asyncio.sleep(0.02)
    store.profile_changed(first, {"resume": "changed during the outage"})
    store.session_closed(second)
    await wait_until(lambda: store.stats().failed_flushes >= 2)
    assert store.stats().dropped == 70  # 100 offered, 30 kept

    await proxy.start()
    await wait_until(lambda: store.stats().buffered == 0)
    assert await stored_seqs(pg_url, first) == list(range(1, 21)) + list(range(91, 121))
    kept_first, kept_second = await store.history(first), await store.history(second)
    assert kept_first is not None and kept_first.profile == {"resume": "changed during the outage"}
    assert kept_second is not None and kept_second.summary.status is SessionStatus.CLOSED
    messages = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert any(
        level == logging.ERROR and "buffer bound of 30 events reached; dropped the" in m
        for level, m in messages
    ), caplog.text
    assert any(
        level == logging.INFO and "database back" in m and "(70 older events were dropped at the bound)" in m
        for level, m in messages
    ), caplog.text
