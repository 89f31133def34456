"""History exports (JSON, Markdown), the HTTP history routes and their auth, the CLI."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from firstword.config import Settings
from firstword.events import Event, payload_model
from firstword.hub.log import EventLog
from firstword.hub.memory import MemoryHub
from firstword.server.errors import install_error_handlers
from firstword.server.routes import history as history_routes
from firstword.store.base import SessionHistory
from firstword.store.cli import history_app
from firstword.store.export import history_to_json, history_to_markdown, latency_line
from firstword.store.sqlstore import SqlStore
from tests.store_scenario import OWNER_TOKEN, write_session
from tests.store_scenario import record as session_record

ADMIN = "admin-secret-for-tests"
SID = "s-export"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    s = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'firstword.sqlite3'}", node_id="node-a")
    await s.start()
    write_session(s, SID)
    await s.flush()
    yield s
    await s.aclose()


@pytest.fixture
async def history(store: SqlStore) -> SessionHistory:
    h = await store.history(SID)
    assert h is not None
    return h


# ----- exports -------------------------------------------------------------------------------------


def test_json_export_is_plain_json_without_the_owner_hash(history: SessionHistory) -> None:
    exported = history_to_json(history)
    text = json.dumps(exported, allow_nan=False)
    assert history.owner_token_hash not in text and "owner_token" not in text
    assert exported["session"]["session_id"] == SID
    assert exported["session"]["status"] == "closed"
    assert exported["session"]["created_at_iso"] == "2023-11-14T22:13:20Z"
    turns = exported["turns"]
    assert [t["question"] for t in turns] == ["Why do you want this job?", "What is your biggest strength?"]
    assert [
        (a["answer_id"], a["trigger"], a["status"], a["early"], a["retracted"]) for a in turns[1]["answers"]
    ] == [
        (2, "interim", "cancelled", True, False),
        (3, "final", "done", False, True),
    ]
    assert turns[1]["answers"][0]["cancel_reason"] == "speaker_continued"
    final = turns[1]["answers"][1]
    assert final["retractions"] == [
        {"start": 14, "end": 30, "reason": "unsupported", "evidence": "the number '40': not in your profile",
         "sentence": "I led 40 nurses."}
    ]
    assert final["corrections"] == [{"start": 14, "end": 30, "text": "I run a ward of 12 beds."}]
    assert turns[0]["timings"]["e2e_first_word_ms"] == 475.0
    assert exported["profile"]["job_description"] == "Charge nurse"


def test_markdown_export_reads_as_a_transcript(history: SessionHistory) -> None:
    md = history_to_markdown(history)
    assert history.owner_token_hash not in md
    assert md.startswith("# Why do you want this job?\n")
    for line in (
        f"- **Session:** `{SID}`",
        "- **Date:** 2023-11-14 22:13:20 UTC",
        "- **Persona:** copilot",
        "**Question:** Why do you want this job?",
        "**Answer 1** (speculative, early, done)",
        "> I care about patients.",
        "**Question:** What is your biggest strength?",
        # Cancelled and retracted answers stay visible, struck through, with why.
        "**~~Answer 2~~** (interim, early, cancelled: speaker_continued)",
        "> ~~My biggest~~",
        # A retracted sentence is struck where it stood, with its reason and the correction.
        "**Answer 3** (final, done, retracted)",
        "> Staying calm. ~~I led 40 nurses.~~ *(retracted: unsupported; the number '40': not in your profile)* "
        "**I run a ward of 12 beds.**",
        "*Latency:* e2e 475 ms · vad→word 49 ms · endpoint 320 ms · stt final 690 ms · llm ttft 104 ms",
    ):
        assert line in md, line
    assert "- **Status:** closed" in md
    assert md.index("## Turn 1") < md.index("## Turn 2")


def test_latency_line_marks_missing_timings() -> None:
    assert latency_line({}) == ""
    assert latency_line({"e2e_first_word_ms": 512.4, "llm_ttft_ms": None}) == (
        "e2e 512 ms · vad→word – · endpoint – · stt final – · llm ttft –"
    )


# ----- HTTP ----------------------------------------------------------------------------------------


def make_app(store: SqlStore, admin_token: str | None) -> FastAPI:
    # The history routes alone, with the app's error handling and what they read from app.state.
    app = FastAPI()
    app.state.settings = Settings(server={"admin_token": admin_token})
    app.state.store = store
    # The hub knows live sessions (none here): history flushes the writer only for those.
    app.state.registry = SimpleNamespace(hub=MemoryHub("test", app.state.settings.server))
    install_error_handlers(app)
    app.include_router(history_routes.router)
    return app


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["status"] == status
    return str(body["error"]["message"])


async def test_listing_needs_a_configured_admin_token(store: SqlStore) -> None:
    async with client(make_app(store, None)) as http:
        message = error(await http.get("/history/sessions", headers=bearer("anything")), 403)
    assert "FIRSTWORD_SERVER__ADMIN_TOKEN" in message


async def test_listing_with_the_admin_token(store: SqlStore) -> None:
    async with client(make_app(store, ADMIN)) as http:
        error(await http.get("/history/sessions"), 401)
        error(await http.get("/history/sessions", headers=bearer(OWNER_TOKEN)), 403)
        error(await http.get("/history/sessions?limit=0", headers=bearer(ADMIN)), 400)
        response = await http.get("/history/sessions?limit=10", headers=bearer(ADMIN))
    assert response.status_code == 200
    body = response.json()
    assert [s["session_id"] for s in body["sessions"]] == [SID]
    assert body["sessions"][0]["turns"] == 2 and "owner_token_hash" not in response.text


async def test_a_session_is_readable_by_its_owner_and_the_admin_only(
    store: SqlStore, history: SessionHistory
) -> None:
    async with client(make_app(store, ADMIN)) as http:
        error(await http.get(f"/history/sessions/{SID}"), 401)
        error(await http.get(f"/history/sessions/{SID}", headers=bearer("not-the-owner")), 403)
        error(await http.get("/history/sessions/no-such-session", headers=bearer(OWNER_TOKEN)), 404)
        by_owner = await http.get(f"/history/sessions/{SID}", headers=bearer(OWNER_TOKEN))
        by_query = await http.get(f"/history/sessions/{SID}", params={"token": OWNER_TOKEN})
        by_admin = await http.get(f"/history/sessions/{SID}", headers=bearer(ADMIN))
    for response in (by_owner, by_query, by_admin):
        assert response.status_code == 200, response.text
        assert response.json() == history_to_json(history)
        assert history.owner_token_hash not in response.text


async def test_exports_over_http(store: SqlStore, history: SessionHistory) -> None:
    async with client(make_app(store, None)) as http:
        as_json = await http.get(
            f"/history/sessions/{SID}/export", params={"format": "json", "token": OWNER_TOKEN}
        )
        as_md = await http.get(f"/history/sessions/{SID}/export?format=md", headers=bearer(OWNER_TOKEN))
        error(await http.get(f"/history/sessions/{SID}/export?format=pdf", headers=bearer(OWNER_TOKEN)), 400)
        error(await http.get(f"/history/sessions/{SID}/export?format=md"), 401)
        error(
            await http.get(f"/history/sessions/{SID}/export?format=md", headers=bearer(ADMIN)), 403
        )  # none configured
    assert as_json.status_code == 200 and as_json.headers["content-type"] == "application/json"
    assert as_json.json() == history_to_json(history)
    assert as_md.status_code == 200 and as_md.headers["content-type"].startswith("text/markdown")
    assert as_md.text == history_to_markdown(history)
    assert f'filename="firstword-{SID}.md"' in as_md.headers["content-disposition"]


# ----- CLI -----------------------------------------------------------------------------------------


async def test_cli_lists_shows_and_exports(
    store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIRSTWORD_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("FIRSTWORD_STORE__URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no firstword.toml from the working directory
    runner = CliRunner()

    listed = await _invoke(runner, ["list"])
    assert SID in listed.output and "closed" in listed.output and "Why do" in listed.output
    shown = await _invoke(runner, ["show", SID])
    assert "What is your biggest strength?" in shown.output
    out = tmp_path / "exports" / "session.md"
    await _invoke(runner, ["export", SID, "--format", "md", "--out", str(out)])
    assert out.read_text().startswith("# Why do you want this job?")
    exported = await _invoke(runner, ["export", SID, "--format", "json"])
    assert json.loads(exported.stdout)["session"]["session_id"] == SID
    missing = await _invoke(runner, ["show", "no-such-session"], code=1)
    assert "unknown session" in missing.output


async def _invoke(runner: CliRunner, args: list[str], code: int = 0):  # type: ignore[no-untyped-def]
    import asyncio

    # The CLI runs its own event loop (asyncio.run): give it a thread, away from the test's loop.
    result = await asyncio.to_thread(runner.invoke, history_app, args)
    assert result.exit_code == code, (result.output, result.exception)
    return result


# ----- action items and board advisors -------------------------------------------------------------

BOARD_SID = "s-board"


def board_events() -> list[Event]:
    """A board-room turn (Atlas answers, an item is extracted) and a spoken one with an item."""
    log = EventLog(BOARD_SID, wall_clock=lambda: 1_700_000_100.0)

    def pub(kind: str, data: dict[str, Any], turn: int | None = None) -> Event:
        return log.publish(payload_model(kind).model_validate(data), turn)

    asked = pub("message", {"text": "Should I take the offer? I'll ask for the contract by Monday.",
                            "to": ["atlas"]}, 1)
    pub("answer.started", {"answer_id": 1, "trigger": "message", "question": "Should I take the offer?",
                           "persona": "atlas"}, 1)
    pub("answer.delta", {"answer_id": 1, "text": "Take it if the equity vests."}, 1)
    pub("answer.done", {"answer_id": 1, "text": "Take it if the equity vests.", "trigger": "message"}, 1)
    pub("actions.extracted", {"items": [{"text": "ask for the contract", "owner": "You", "due": "2023-11-20",
                                          "rule": "self", "source_seq": asked.seq}]}, 1)
    heard = pub("transcript.final", {"text": "Let's review the plan on Friday.", "audio_start_ms": 0.0,
                                     "audio_end_ms": 900.0, "compute_ms": 40.0}, 2)
    pub("answer.started", {"answer_id": 2, "trigger": "final", "question": "Let's review the plan on Friday."}, 2)
    pub("answer.done", {"answer_id": 2, "text": "Sounds good.", "trigger": "final"}, 2)
    pub("actions.extracted", {"items": [{"text": "review the plan", "owner": None, "due": "2023-11-17",
                                          "rule": "group", "source_seq": heard.seq}]}, 2)
    return list(log.events_after(0))


@pytest.fixture
async def board_history(store: SqlStore) -> SessionHistory:
    store.session_opened(session_record(BOARD_SID))
    for event in board_events():
        store.append(BOARD_SID, event)
    store.session_closed(BOARD_SID)
    await store.flush()
    h = await store.history(BOARD_SID)
    assert h is not None
    return h


def test_json_export_has_the_action_items_and_each_answers_advisor(board_history: SessionHistory) -> None:
    exported = history_to_json(board_history)
    json.dumps(exported, allow_nan=False)
    assert exported["action_items"] == [
        {"text": "ask for the contract", "owner": "You", "due": "2023-11-20", "rule": "self", "source_seq": 1},
        {"text": "review the plan", "owner": None, "due": "2023-11-17", "rule": "group", "source_seq": 6},
    ]
    one, two = exported["turns"]
    assert [(a["answer_id"], a["persona"]) for a in one["answers"]] == [(1, "atlas")]
    assert [(a["answer_id"], a["persona"]) for a in two["answers"]] == [(2, None)]


def test_markdown_export_lists_the_action_items_and_names_the_advisor(board_history: SessionHistory) -> None:
    md = history_to_markdown(board_history)
    assert "**Answer 1 · Atlas, Strategic advisor** (message, done)" in md
    assert "**Answer 2** (final, done)" in md
    section = md[md.index("## Action items") :]
    assert section.splitlines()[2:4] == [
        "- [ ] ask for the contract (owner: You, due: 2023-11-20)",
        "- [ ] review the plan (due: 2023-11-17)",
    ]
    assert md.index("## Turn 2") < md.index("## Action items")


def test_a_copilot_session_without_items_exports_none(history: SessionHistory) -> None:
    exported = history_to_json(history)
    assert exported["action_items"] == []
    assert all(a["persona"] is None for t in exported["turns"] for a in t["answers"])
    assert "## Action items" not in history_to_markdown(history)
