"""POST /api/chat as a Vercel AI SDK UI message stream (v1): read by the real `ai` package
(tests/node, DefaultChatTransport + readUIMessageStream, which validate every part against the
package's own uiMessageChunkSchema) from a real uvicorn server, and part by part in Python."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from firstword.llm.scripted import ScriptedLlm
from firstword.personas import load_personas
from tests.conftest import InLoopServer
from tests.test_openai_api import AUTH, KEY, REPLY, FakeTools, api_server, openai_error, sse_events, wait_for

NODE_PROJECT = Path(__file__).parent / "node"
READER = NODE_PROJECT / "read_ui_stream.mjs"

# The keys each part may carry (the schema's objects are loose: this is stricter).
PART_KEYS = {
    "start": {"type", "messageId"},
    "text-start": {"type", "id"},
    "text-delta": {"type", "id", "delta"},
    "text-end": {"type", "id"},
    "tool-input-available": {"type", "toolCallId", "toolName", "input"},
    "tool-input-error": {"type", "toolCallId", "toolName", "input", "errorText"},
    "tool-output-available": {"type", "toolCallId", "output"},
    "tool-output-error": {"type", "toolCallId", "errorText"},
    "data-progress": {"type", "id", "data"},
    "error": {"type", "errorText"},
    "finish": {"type", "finishReason", "messageMetadata"},
}


def _installed_from_lock() -> bool:
    """Whether tests/node/node_modules holds exactly what the lock file pins (npm's own record of
    what it installed, node_modules/.package-lock.json, says so): `make test` ran npm ci already."""
    try:
        locked = json.loads((NODE_PROJECT / "package-lock.json").read_text())["packages"]
        installed = json.loads((NODE_PROJECT / "node_modules" / ".package-lock.json").read_text())["packages"]
    except (OSError, ValueError, KeyError):
        return False
    versions = {name: entry.get("version") for name, entry in locked.items() if name}
    return versions == {name: entry.get("version") for name, entry in installed.items()}


@pytest.fixture(scope="session")
def node_reader() -> Path:
    """tests/node installed from its lock file (npm ci, once a session, unless already done), or a
    skip saying why."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to read /api/chat with the real `ai` package (apt-get install nodejs npm)")
    if _installed_from_lock():
        return READER
    done = subprocess.run(
        [npm, "ci", "--prefix", str(NODE_PROJECT), "--no-audit", "--no-fund", "--loglevel=error"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"npm ci in tests/node failed (is the npm registry reachable?): {done.stderr.strip()[-800:]}")
    return READER


async def read_with_ai_sdk(reader: Path, srv: InLoopServer, question: str, persona: str | None = None) -> dict[str, Any]:
    args = [str(reader), srv.url + "/api/chat", question, *([persona] if persona else [])]
    process = await asyncio.create_subprocess_exec(
        shutil.which("node") or "node", *args, env={**os.environ, "FIRSTWORD_API_KEY": KEY},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, f"the AI SDK refused the stream: {out.decode()} {err.decode()[-2000:]}"
    result: dict[str, Any] = json.loads(out)
    return result


def ui_message(text: str, role: str = "user", id: str = "m1") -> dict[str, Any]:
    return {"id": id, "role": role, "parts": [{"type": "text", "text": text}]}


async def chat_raw(srv: InLoopServer, body: dict[str, Any], **params: str) -> tuple[httpx.Response, list[Any]]:
    async with httpx.AsyncClient(base_url=srv.url, headers=AUTH, timeout=30) as http:
        async with http.stream("POST", "/api/chat", json=body, params=params) as response:
            if response.status_code != 200:
                await response.aread()
                return response, []
            return response, await sse_events(response)


def check_parts(events: list[Any]) -> list[dict[str, Any]]:
    assert events[-1] == "[DONE]" and "[DONE]" not in events[:-1]
    parts: list[dict[str, Any]] = events[:-1]
    for part in parts:
        assert set(part) == PART_KEYS[part["type"]], part
    assert parts[0]["type"] == "start" and parts[-1]["type"] == "finish"
    return parts


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("def checkout():\n    return 'ok'\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_shop.py").write_text("def test_checkout():\n    assert True\n")
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\ndependencies = ["httpx>=0.27"]\n')
    return root


# ----- the real `ai` package reading the stream ------------------------------------------------------


async def test_the_ai_sdk_reads_text_a_real_tool_call_and_its_progress(node_reader, repo):
    async with api_server(roots=[str(repo)]) as srv:
        result = await read_with_ai_sdk(node_reader, srv, f"/analyze {repo}", "cipher")
    assert result["errors"] == []
    chunks, message = result["chunks"], result["message"]
    assert chunks[0]["type"] == "start" and chunks[-1] == {
        "type": "finish", "finishReason": "stop", "messageMetadata": chunks[-1]["messageMetadata"]}
    assert message["role"] == "assistant" and message["id"] == chunks[0]["messageId"]
    assert message["metadata"]["persona"] == "cipher"
    by_type: dict[str, list[dict[str, Any]]] = {}
    for part in message["parts"]:
        by_type.setdefault(part["type"], []).append(part)
    (tool,) = by_type["tool-analyze_repository"]
    assert tool["state"] == "output-available" and tool["input"] == {"path": str(repo)}
    assert "shop" in tool["output"]["result"] and tool["output"]["summary"].startswith("Analyzed")
    # Progress: several data-progress parts in the stream, the latest kept in the message.
    progress = [c["data"] for c in chunks if c["type"] == "data-progress"]
    assert len(progress) >= 2 and all(p["callId"] == tool["toolCallId"] for p in progress)
    assert [p["progress"] for p in progress] == sorted(p["progress"] for p in progress)
    assert progress[0]["message"] and progress[-1]["progress"] == progress[-1]["total"]
    (latest,) = by_type["data-progress"]
    assert latest["id"] == tool["toolCallId"] and latest["data"] == progress[-1]
    (text,) = by_type["text"]
    assert text == {"type": "text", "text": "".join(REPLY), "state": "done"}
    # The tool came first, then the answer.
    assert message["parts"].index(tool) < message["parts"].index(text)


async def test_the_ai_sdk_reads_a_failed_tool_and_a_model_failure(node_reader, tmp_path):
    tools = FakeTools(fail="the path /nowhere is outside the allowed roots")
    async with api_server(ScriptedLlm(reply=REPLY, fail_after=2), tools=tools) as srv:
        result = await read_with_ai_sdk(node_reader, srv, f"/analyze {tmp_path}", "cipher")
        refused = await read_with_ai_sdk(node_reader, srv, "/actions", "cipher")
    parts = result["message"]["parts"]
    (tool,) = [p for p in parts if p["type"] == "tool-analyze_repository"]
    assert tool["state"] == "output-error" and "outside the allowed roots" in tool["errorText"]
    (text,) = [p for p in parts if p["type"] == "text"]
    assert text["text"] == "I led"
    assert len(result["errors"]) == 1 and "scripted failure" in result["errors"][0]
    assert result["chunks"][-1]["finishReason"] == "error"
    # A command that cannot run here was never a call: one tool-input-error part.
    (command,) = [p for p in refused["message"]["parts"] if p["type"].startswith("tool-")]
    assert command["state"] == "output-error" and "action_items" in command["errorText"]


# ----- the stream, part by part ----------------------------------------------------------------------


async def test_the_stream_s_parts_headers_and_end():
    async with api_server(tools=FakeTools(steps=3)) as srv:
        response, events = await chat_raw(srv, {"id": "chat-1", "messages": [ui_message("/analyze ./x")],
                                                "trigger": "submit-message", "persona": "cipher"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
    assert response.headers["x-firstword-history-dropped"] == "0"
    parts = check_parts(events)
    types = [p["type"] for p in parts]
    assert types == ["start", "tool-input-available", "data-progress", "data-progress", "data-progress",
                     "tool-output-available", "text-start", *["text-delta"] * len(REPLY), "text-end", "finish"]
    call = parts[1]
    assert call["toolName"] == "analyze_repository" and call["input"] == {"path": "./x"}
    assert [p["data"] for p in parts[2:5]] == [
        {"callId": call["toolCallId"], "progress": n, "total": 3, "message": f"step {n} of 3"} for n in (1, 2, 3)]
    assert all(p["id"] == call["toolCallId"] for p in parts[2:5])
    output = parts[5]
    assert output["toolCallId"] == call["toolCallId"]
    assert output["output"]["summary"] == "Analyzed: 1 language, 3 components"
    assert "3 packages" in output["output"]["result"] and output["output"]["durationMs"] >= 0
    text_ids = {p["id"] for p in parts if p["type"].startswith("text-")}
    assert len(text_ids) == 1
    assert "".join(p["delta"] for p in parts if p["type"] == "text-delta") == "".join(REPLY)
    assert parts[-1]["finishReason"] == "stop" and parts[-1]["messageMetadata"]["persona"] == "cipher"
    assert parts[-1]["messageMetadata"]["usage"]["completionTokens"] == 5


async def test_a_model_failure_is_an_error_part_then_finish():
    async with api_server(ScriptedLlm(reply=REPLY, fail_after=1)) as srv:
        _, events = await chat_raw(srv, {"messages": [ui_message("Hi")]})
    parts = check_parts(events)
    assert [p["type"] for p in parts] == ["start", "text-start", "text-delta", "text-end", "error", "finish"]
    assert "scripted failure" in parts[4]["errorText"] and parts[-1]["finishReason"] == "error"


@pytest.mark.parametrize(("body", "params", "expected"), [
    ({}, {}, "atlas"),
    ({"persona": "nova"}, {}, "nova"),
    ({"model": "cipher"}, {}, "cipher"),
    ({}, {"persona": "copilot"}, "copilot"),
    ({"persona": "technical_advisor"}, {"persona": "nova"}, "cipher"),
])
async def test_the_persona_comes_from_the_body_the_query_or_the_default(body, params, expected):
    async with api_server() as srv:
        _, events = await chat_raw(srv, {"messages": [ui_message("Hi")], **body}, **params)
        system = srv.llm.calls[-1][0]  # type: ignore[attr-defined]
    assert check_parts(events)[-1]["messageMetadata"]["persona"] == expected
    assert system.content.endswith(load_personas().get_persona(expected).instructions)


async def test_ui_messages_become_the_history():
    async with api_server() as srv:
        await chat_raw(srv, {"messages": [
            ui_message("Be brief.", "system", "s"),
            ui_message("First question", "user", "1"),
            {"id": "2", "role": "assistant", "parts": [
                {"type": "step-start"}, {"type": "text", "text": "First answer"},
                {"type": "tool-analyze_repository", "toolCallId": "c", "state": "output-available", "input": {},
                 "output": {}},
            ]},
            {"id": "3", "role": "user", "content": "", "parts": [{"type": "text", "text": "Second?"}]},
            ui_message("a stale answer", "assistant", "4"),
        ], "trigger": "regenerate-message", "messageId": "4"})
        messages = srv.llm.calls[-1]  # type: ignore[attr-defined]
    assert "Be brief." in messages[0].content
    assert [(m.role, m.content) for m in messages[1:]] == [
        ("user", "First question"), ("assistant", "First answer"), ("user", "Second?")]


async def test_refusals_are_openai_error_objects():
    async with api_server() as srv, httpx.AsyncClient(base_url=srv.url, headers=AUTH) as http:
        openai_error(await http.post("/api/chat", json={"messages": [ui_message("Hi")]}, headers={"Authorization": "Bearer no"}),
                     401, "invalid_api_key")
        openai_error(await http.post("/api/chat", json={"persona": "zed", "messages": [ui_message("Hi")]}),
                     404, "model_not_found", "persona")
        openai_error(await http.post("/api/chat", json={"messages": [ui_message("Hi", "assistant")]}),
                     400, None, "messages")
        openai_error(await http.post("/api/chat", json={"messages": [ui_message("x" * 100_000)]}),
                     400, "context_length_exceeded", "messages")
        bad = await http.post("/api/chat", content=b"{", headers={"content-type": "application/json"})
        openai_error(bad, 400, "invalid_json")
        assert srv.llm.calls == []  # type: ignore[attr-defined]


async def test_a_client_that_disconnects_stops_the_model_and_the_tool():
    llm = ScriptedLlm(reply=["word "] * 200, interval_s=0.05)
    tools = FakeTools(hang=True)
    async with api_server(llm, tools=tools) as srv:
        async with httpx.AsyncClient(base_url=srv.url, headers=AUTH, timeout=30) as http:
            for question, seen_enough in (("Hi", 4), ("/analyze ./x", 3)):
                body = {"persona": "cipher", "messages": [ui_message(question)]}
                async with http.stream("POST", "/api/chat", json=body) as response:
                    seen = 0
                    async for line in response.aiter_lines():
                        seen += line.startswith("data:")
                        if seen >= seen_enough:
                            break
        await wait_for(lambda: llm.cancelled == 1 and tools.cancelled == 1)
        assert llm.completed == 0 and len(llm.calls) == 1
