"""Hiring's tables in the store's database, on SQLite and on a real PostgreSQL: the migration
from 0002 to 0003 (and back), the migrations matching ``tables.py``, and deletion that really
deletes (a candidate's answers and sessions go with them, by ON DELETE CASCADE).

PostgreSQL is reached as in ``test_store_postgres.py`` (its own database per test, dropped at
the end; unreachable fails, unless ``FIRSTWORD_TEST_SKIP_SERVICES=1``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from firstword.config import Settings
from firstword.hiring.service import accounts, candidates, sessions
from firstword.hiring.service.audit import Actor
from firstword.hiring.service.campaigns import CampaignDraft
from firstword.hiring.service.campaigns import create as create_campaign
from firstword.hiring.service.questionnaire import check_page
from firstword.hiring.service.runtime import Hiring
from firstword.hiring.store import tables
from firstword.hiring.instruments import get_instrument
from firstword.store import schema
from firstword.store.database import alembic_config, create_engine, migrate
from tests.test_hiring_flow import FAST_HASH, PASSWORD
from tests.test_store_postgres import _create_database, _drop_database, _url_of, url_string

HIRING_TABLES = {t.name for t in tables.TABLES}


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'hiring.sqlite3'}"
        return
    name = await _create_database()
    try:
        yield url_string(_url_of(name))
    finally:
        await _drop_database(name)


async def _version(engine: AsyncEngine) -> str:
    async with engine.connect() as conn:
        return str((await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalar())


async def _table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names()))


async def test_a_database_at_0002_upgrades_to_the_head_and_back(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine, "0002")
        assert await _version(engine) == "0002"
        assert not HIRING_TABLES & await _table_names(engine)
        async with engine.begin() as conn:  # a live-copilot session recorded before the upgrade
            await conn.execute(schema.sessions.insert().values(
                id="s-before", node_id="n", persona="copilot", owner_token_hash="0" * 64, status="closed", created_at=1.0))

        await migrate(engine)
        assert await _version(engine) == "0004"  # 0003 hiring, 0004 interviews
        assert HIRING_TABLES <= await _table_names(engine)
        async with engine.connect() as conn:
            # The chain creates exactly what schema.py and hiring/store/tables.py describe.
            diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), schema.metadata))
            kept = (await conn.execute(sa.select(schema.sessions.c.id))).scalars().all()
        assert diff == []
        assert kept == ["s-before"]

        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0002"))
        assert await _version(engine) == "0002"
        assert not HIRING_TABLES & await _table_names(engine)
        await migrate(engine)
        assert await _version(engine) == "0004"
    finally:
        await engine.dispose()


async def test_schema_metadata_holds_the_hiring_tables() -> None:
    # What the store's own migration test compares with includes them (env.py imports them).
    assert HIRING_TABLES <= set(schema.metadata.tables)
    assert all(schema.metadata.tables[name] is table for name, table in ((t.name, t) for t in tables.TABLES))


async def test_deleting_a_candidate_deletes_their_rows(database_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=str(tmp_path), store={"url": database_url}, hiring=FAST_HASH)
    hiring = await Hiring.open(settings, purge=False)
    assert hiring is not None
    ipip = get_instrument("ipip-50")
    try:
        async with hiring.engine.begin() as conn:
            org_id, user_id = await accounts.create_org_with_owner(
                hiring, conn, name="Acme", email="ann@acme.example", password=PASSWORD, signup=False)
            actor = Actor("member", "ann@acme.example", user_id)
            campaign_id = await create_campaign(hiring, conn, org_id, CampaignDraft(name="C", role="R"), actor)
            ids = []
            for name in ("Gone", "Stays"):
                candidate_id, _, _ = await candidates.invite(hiring, conn, org_id, campaign_id, name=name, email=None, actor=actor)
                row = await candidates.by_id(conn, candidate_id)
                await candidates.consent(hiring, conn, row)
                row = await candidates.by_id(conn, candidate_id)
                page = check_page(ipip, 0, {item.id: 3 for item in ipip.items[:10]}, {item.id: 2500 for item in ipip.items[:10]})
                await candidates.save_page(hiring, conn, row, 0, page)
                await sessions.issue(conn, "candidate", now=hiring.now(), lifetime_s=60, candidate_id=candidate_id)
                ids.append(candidate_id)
        gone, stays = ids

        async def rows(table: sa.Table, column: str, value: str) -> int:
            async with hiring.engine.connect() as conn:
                query = sa.select(sa.func.count()).select_from(table).where(table.c[column] == value)
                return int((await conn.execute(query)).scalar_one())

        assert await rows(tables.answers, "candidate_id", gone) == 10
        assert await rows(tables.web_sessions, "candidate_id", gone) == 1
        async with hiring.engine.begin() as conn:
            await candidates.delete(hiring, conn, await candidates.by_id(conn, gone), actor)
        # Read back with plain SQL: nothing of the candidate is left in any table...
        for table, column in ((tables.candidates, "id"), (tables.answers, "candidate_id"), (tables.web_sessions, "candidate_id")):
            assert await rows(table, column, gone) == 0, table.name
        # ...but the audit log says it happened, by id only.
        assert await rows(tables.audit, "target_id", gone) >= 2
        async with hiring.engine.connect() as conn:
            entries = (await conn.execute(sa.select(tables.audit.c.detail).where(tables.audit.c.action == "candidate.deleted"))).all()
        assert len(entries) == 1 and "Gone" not in str(entries)
        # The other candidate keeps everything.
        assert await rows(tables.answers, "candidate_id", stays) == 10
        assert await rows(tables.web_sessions, "candidate_id", stays) == 1
    finally:
        await hiring.aclose()
