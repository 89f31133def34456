"""firstword's MCP server as MCP clients see it: ``firstword mcp`` over stdio, driven by the
official client (``mcp.ClientSession`` over ``stdio_client``) and by raw lines, and ``/mcp`` over
streamable HTTP through the app (admin token, Host allowlist)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from pydantic import SecretStr

from firstword.config import Settings
from firstword.events import payload_model
from firstword.hub.log import EventLog
from firstword.server.app import create_app
from firstword.store.sqlstore import SqlStore
from firstword.tools.http import McpMount
from firstword.tools.repository import STEP_DELAY_ENV
from tests.conftest import InLoopServer
from tests.test_server import fake_engines

REPO_ROOT = Path(__file__).resolve().parents[1]
TOOLS = {"analyze_repository", "search_sessions", "action_items", "profile_facts"}
SESSION_ID = "mcp-session-1"
CREATED = 1_700_000_000.0  # Tuesday 14 November 2023, UTC
ADMIN = "admin-token-for-mcp-tests"

def small_repo(root: Path) -> Path:
    repo = root / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "__init__.py").write_text("")
    (repo / "app" / "main.py").write_text("print('hi')\n")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_main.py").write_text("def test_it():\n    pass\n")
    (repo / "pyproject.toml").write_text('[project]\nname = "app"\ndependencies = ["httpx>=0.27"]\n'
                                         '[project.scripts]\napp = "app.main:run"\n')
    return repo


async def store_a_session(settings: Settings) -> None:
    """One stored session: the interviewer's and the user's finals, a typed message, an answer."""
    store = SqlStore(settings.store_url(), node_id="node-a", config=settings.store)
    await store.start()
    from tests.store_scenario import record

    store.session_opened(record(SESSION_ID, created_at=CREATED))
    log = EventLog(SESSION_ID, wall_clock=lambda: CREATED + 1)

    def pub(kind: str, data: dict[str, Any], turn: int | None = None) -> None:
        store.append(SESSION_ID, log.publish(payload_model(kind).model_validate(data), turn))

    timing = {"audio_start_ms": 0.0, "audio_end_ms": 900.0, "compute_ms": 50.0}
    pub("transcript.final", {"text": "Thanks for coming in. I'll send you the offer details by Friday.",
                             "speaker": "interviewer", **timing, "forced_cut": False, "replaces": []}, 1)
    pub("user.transcript.final", {"text": "Great, I will send my references tomorrow.", "speaker": "user", **timing})
    pub("message", {"text": "Can you share the team's budget numbers?"}, 2)
    pub("answer.started", {"answer_id": 1, "trigger": "message", "question": "budget?", "lead_ms": 0.0}, 2)
    pub("answer.done", {"answer_id": 1, "text": "I led the budget review at Northwind.", "trigger": "message"}, 2)
    store.session_closed(SESSION_ID)
    await store.aclose()


def server_params(*args: str, **env: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "firstword", "mcp", *args],
        env={"FIRSTWORD_DATA_DIR": os.environ["FIRSTWORD_DATA_DIR"], "PYTHONUNBUFFERED": "1", **env},
        cwd=str(REPO_ROOT),
    )


def text_of(result: Any) -> str:
    return "\n".join(block.text for block in result.content if block.type == "text")


@pytest.mark.e2e
@pytest.mark.slow
async def test_stdio_server(tmp_path: Path) -> None:
    repo = small_repo(tmp_path)
    await store_a_session(Settings())
    # A per-step delay (the documented test hook) makes a call long enough to cancel mid-walk.
    params = server_params("--root", str(tmp_path), **{STEP_DELAY_ENV: "0.05"})
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        init = await session.initialize()
        assert init.server_info.name == "firstword"

        listed = await session.list_tools()
        assert {tool.name for tool in listed.tools} == TOOLS
        schemas = {tool.name: tool.input_schema for tool in listed.tools}
        assert schemas["analyze_repository"]["required"] == ["path"]
        assert schemas["action_items"]["required"] == ["session_id"]

        # analyze_repository with a progress token: notifications with messages, then the result.
        seen: list[tuple[str, Any]] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            seen.append(("progress", (progress, total, message)))

        result = await session.call_tool("analyze_repository", {"path": str(repo)}, progress_callback=on_progress)
        seen.append(("result", result))
        assert not result.is_error, text_of(result)
        progress = [item for kind, item in seen if kind == "progress"]
        assert len(progress) >= 3 and seen[-1][0] == "result"
        assert all(message for _, _, message in progress)
        assert [p for p, _, _ in progress] == sorted(p for p, _, _ in progress)
        assert progress[0][2] == "Analyzing repository structure…"
        assert text_of(result).startswith(f"Analyzed {repo}: 1 language, 1 component, 1 dependency")
        assert result.structured_content["entry_points"][0]["name"] == "app"

        # Cancelled mid-walk: the caller goes at once; the server goes on serving.
        started = asyncio.Event()

        async def on_first(progress: float, total: float | None, message: str | None) -> None:
            started.set()

        call = asyncio.create_task(
            session.call_tool("analyze_repository", {"path": str(repo)}, progress_callback=on_first)
        )
        await asyncio.wait_for(started.wait(), 10)
        t0 = time.perf_counter()
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert time.perf_counter() - t0 < 1.0
        again = await session.call_tool("analyze_repository", {"path": str(repo)})
        assert not again.is_error and text_of(again).startswith("Analyzed")

        # Confinement, stated as a tool error that names the roots.
        outside = await session.call_tool("analyze_repository", {"path": "/"})
        assert outside.is_error and "outside the allowed roots" in text_of(outside)
        assert str(tmp_path) in text_of(outside)
        missing = await session.call_tool("analyze_repository", {"path": str(tmp_path / "nope")})
        assert missing.is_error and "does not exist" in text_of(missing)

        # The stored session: search, action items; an unknown session is a clear error.
        found = await session.call_tool("search_sessions", {"query": "offer details"})
        assert not found.is_error
        matches = found.structured_content["matches"]
        assert [(m["session_id"], m["kind"]) for m in matches] == [(SESSION_ID, "transcript")]
        assert "I'll send you the offer details by Friday" in matches[0]["line"]
        assert matches[0]["when"].startswith("2023-11-14")
        budget = await session.call_tool("search_sessions", {"query": "BUDGET"})
        assert {m["kind"] for m in budget.structured_content["matches"]} == {"answer"}

        items = await session.call_tool("action_items", {"session_id": SESSION_ID})
        assert not items.is_error, text_of(items)
        got = [(i["text"], i["owner"], i["due"]) for i in items.structured_content["items"]]
        assert got == [
            ("send you the offer details", "Interviewer", "2023-11-17"),
            ("send my references", "You", "2023-11-15"),
            ("share the team's budget numbers", None, None),
        ]
        assert set(items.structured_content["items"][0]) == {"text", "owner", "due", "evidence", "confidence"}
        unknown = await session.call_tool("action_items", {"session_id": "no-such-session"})
        assert unknown.is_error and "unknown session 'no-such-session'" in text_of(unknown)

        facts = await session.call_tool("profile_facts", {"query": "Tell me about a project you are proud of"})
        assert not facts.is_error
        assert facts.structured_content["facts"] and all(
            f["source"] in {"resume", "story", "notes", "job description"} for f in facts.structured_content["facts"]
        )

        unknown_tool = await session.call_tool("no_such_tool", {})
        assert unknown_tool.is_error and "no_such_tool" in text_of(unknown_tool)


@pytest.mark.e2e
@pytest.mark.slow
async def test_malformed_lines_get_jsonrpc_errors() -> None:
    """Raw lines on stdin: each bad one is answered with a JSON-RPC error; the next is served."""
    params = server_params()
    process = await asyncio.create_subprocess_exec(
        params.command, *params.args, cwd=params.cwd, env={**os.environ, **(params.env or {})},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )
    assert process.stdin is not None and process.stdout is not None

    async def send(line: str) -> None:
        process.stdin.write(line.encode() + b"\n")  # type: ignore[union-attr]
        await process.stdin.drain()  # type: ignore[union-attr]

    async def receive() -> dict[str, Any]:
        line = await asyncio.wait_for(process.stdout.readline(), 30)  # type: ignore[union-attr]
        assert line, "the server closed its output"
        return json.loads(line)

    try:
        await send("this is not json")
        assert await receive() == {"jsonrpc": "2.0", "id": None, "error": {
            "code": -32700, "message": "Parse error: not JSON (Expecting value: line 1 column 1 (char 0))"}}
        await send('{"jsonrpc": "2.0", "id": 7, "method": 42}')
        answer = await receive()
        assert answer["id"] == 7 and answer["error"]["code"] == -32600
        await send("[1, 2, 3]")
        assert (await receive())["error"]["code"] == -32600
        await send('{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", '
                   '"capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}}')
        initialized = await receive()
        assert initialized["id"] == 1 and initialized["result"]["serverInfo"]["name"] == "firstword"
        await send('{"jsonrpc": "2.0", "method": "notifications/initialized"}')
        await send('{"jsonrpc": "2.0", "id": 2, "method": "tools/list"}')
        listed = await receive()
        assert {tool["name"] for tool in listed["result"]["tools"]} == TOOLS
        await send('{"jsonrpc": "2.0", "id": 3, "method": "no/such/method"}')
        assert (await receive())["error"]["code"] == -32601
    finally:
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
    assert process.returncode == 0


# ----- /mcp over HTTP ------------------------------------------------------------------------------


@pytest.mark.e2e
async def test_http_mount(tmp_path: Path) -> None:
    settings = Settings()
    settings.server.admin_token = SecretStr(ADMIN)
    settings.answer.critic = False
    settings.tools.roots = [str(tmp_path)]
    repo = small_repo(tmp_path)
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}}
    accept = {"Accept": "application/json, text/event-stream"}
    async with InLoopServer(create_app(settings, fake_engines())) as srv, httpx.AsyncClient(base_url=srv.url) as http:
        missing = await http.post("/mcp", json=initialize, headers=accept)
        assert missing.status_code == 401
        assert missing.json()["error"]["code"] == "unauthorized" and "Bearer" in missing.json()["error"]["message"]
        wrong = await http.post("/mcp", json=initialize, headers={**accept, "Authorization": "Bearer nope"})
        assert wrong.status_code == 403
        foreign = await http.post("/mcp", json=initialize,
                                  headers={**accept, "Authorization": f"Bearer {ADMIN}", "Host": "evil.example"})
        assert foreign.status_code == 400 and "does not answer to Host" in foreign.json()["error"]["message"]

        # The official client with the admin token: initialize, list, a call with progress.
        async with (
            create_mcp_http_client(headers={"Authorization": f"Bearer {ADMIN}"}) as client,
            streamable_http_client(f"{srv.url}/mcp", http_client=client) as (read, write),
            ClientSession(read, write) as session,
        ):
            init = await session.initialize()
            assert init.server_info.name == "firstword"
            assert {tool.name for tool in (await session.list_tools()).tools} == TOOLS
            progress: list[str | None] = []

            async def on_progress(p: float, total: float | None, message: str | None) -> None:
                progress.append(message)

            result = await session.call_tool("analyze_repository", {"path": str(repo)}, progress_callback=on_progress)
            assert not result.is_error and text_of(result).startswith(f"Analyzed {repo}")
            assert len(progress) >= 3


async def test_http_mount_without_an_admin_token() -> None:
    mount = McpMount(Settings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=mount), base_url="http://127.0.0.1") as http:
        refused = await http.post("/mcp", json={}, headers={"Authorization": "Bearer anything"})
    assert refused.status_code == 403
    assert "FIRSTWORD_SERVER__ADMIN_TOKEN" in refused.json()["error"]["message"]


def test_the_sdk_host_check_matches_the_edge_guard() -> None:
    from firstword.tools.http import transport_security

    settings = Settings()
    settings.server.public_url = "https://copilot.example.com"
    settings.server.allowed_hosts = ["lan-box:8765"]
    security = transport_security(settings.server)
    assert security.enable_dns_rebinding_protection
    for host in ("127.0.0.1:8765", "localhost:1", "[::1]:8765", "copilot.example.com", "lan-box:9000"):
        assert host in security.allowed_hosts or any(
            allowed.endswith(":*") and host.startswith(allowed[:-1]) for allowed in security.allowed_hosts
        ), host
    assert "evil.example" not in security.allowed_hosts and "evil.example:*" not in security.allowed_hosts
    assert "https://copilot.example.com" in security.allowed_origins
    settings.server.host = "0.0.0.0"  # any IP literal passes the guard: the SDK cannot list them
    assert not transport_security(settings.server).enable_dns_rebinding_protection
