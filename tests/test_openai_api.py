"""The OpenAI-compatible API (/v1/models, /v1/chat/completions) over a real uvicorn server, read
by the official openai SDK and by a raw SSE parser that checks each conformance point."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import openai
import pytest

from firstword.config import Settings
from firstword.llm.base import ChatMessage, LlmError
from firstword.llm.scripted import ScriptedLlm
from firstword.personas import load_personas
from firstword.server.app import create_app
from firstword.tools.base import ToolError, ToolOutcome, ToolProgressUpdate, ToolSpec
from tests.conftest import InLoopServer
from tests.test_server import fake_engines

KEY = "sk-test-firstword-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
REPLY = ["I", " led", " the", " migration", "."]
# The scripted model counts words as tokens.
WORDS = sum(len(d.split()) for d in REPLY)


class FakeTools:
    """A ToolRunner with one tool, analyze_repository, that reports progress and answers (or
    fails, or hangs until cancelled)."""

    def __init__(self, *, fail: str | None = None, hang: bool = False, steps: int = 3) -> None:
        self.fail = fail
        self.hang = hang
        self.steps = steps
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.cancelled = 0

    async def list_tools(self) -> list[ToolSpec]:
        schema = {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}
        return [ToolSpec("analyze_repository", "Analyze a repository", schema, "firstword")]

    async def call(
        self, name: str, arguments: dict[str, Any], *, on_progress: Callable[[ToolProgressUpdate], None] | None = None
    ) -> ToolOutcome:
        self.calls.append((name, arguments))
        try:
            for step in range(1, self.steps + 1):
                if on_progress is not None:
                    on_progress(ToolProgressUpdate(step, self.steps, f"step {step} of {self.steps}"))
                await asyncio.sleep(0.01)
            if self.hang:
                await asyncio.sleep(60)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        if self.fail:
            raise ToolError(self.fail)
        return ToolOutcome(text=f"Repository at {arguments.get('path')}: Python, 3 packages.",
                           summary="Analyzed: 1 language, 3 components", truncated=False)

    async def aclose(self) -> None:
        pass


@asynccontextmanager
async def api_server(
    llm: ScriptedLlm | None = None, *, keys: str = KEY, tools: Any = None, roots: list[str] | None = None,
) -> AsyncIterator[InLoopServer]:
    """A server with the scripted model, the API ``keys``, and ``tools`` (default: a FakeTools);
    with ``roots``, firstword's own tool runner, reading those folders."""
    llm = llm or ScriptedLlm(reply=REPLY, interval_s=0.005)
    config = Settings(server={"api_keys": keys}, tools={"roots": roots or []})
    runner = None if roots else (tools or FakeTools())
    async with InLoopServer(create_app(config, fake_engines(llm), tools=runner)) as srv:
        srv.llm = llm  # type: ignore[attr-defined]
        srv.clients = []  # type: ignore[attr-defined]
        try:
            yield srv
        finally:
            for client in srv.clients:  # type: ignore[attr-defined]
                await client.close()


@pytest.fixture
async def server() -> AsyncIterator[InLoopServer]:
    async with api_server() as srv:
        yield srv


def sdk(srv: InLoopServer, key: str = KEY) -> openai.AsyncOpenAI:
    """The official client, without retries (a 5xx must show as it is); closed with the server."""
    client = openai.AsyncOpenAI(base_url=srv.url + "/v1", api_key=key, max_retries=0)
    srv.clients.append(client)  # type: ignore[attr-defined]
    return client


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def openai_error(response: httpx.Response, status: int, code: str | None, param: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"message", "type", "param", "code"}, error
    assert error["code"] == code and error["param"] == param, error
    assert error["type"] == ("server_error" if status >= 500 else "invalid_request_error")
    assert isinstance(error["message"], str) and error["message"]
    return error


async def sse_events(response: httpx.Response) -> list[Any]:
    """Every ``data:`` event of an SSE body: parsed JSON, or the string ``[DONE]``."""
    events: list[Any] = []
    data: list[str] = []
    async for line in response.aiter_lines():
        if line.startswith("data:"):
            data.append(line[5:].lstrip())
        elif line == "" and data:
            text = "\n".join(data)
            events.append(text if text == "[DONE]" else json.loads(text))
            data = []
        else:
            assert line == "" or line.startswith(":"), f"not an SSE line: {line!r}"
    assert not data, "the stream ended inside an event"
    return events


async def stream_raw(srv: InLoopServer, body: dict[str, Any]) -> tuple[httpx.Response, list[Any]]:
    async with httpx.AsyncClient(base_url=srv.url, headers=AUTH, timeout=30) as http:
        async with http.stream("POST", "/v1/chat/completions", json=body) as response:
            if response.status_code != 200:
                await response.aread()
                return response, []
            return response, await sse_events(response)


# ----- models and keys --------------------------------------------------------------------------


async def test_models_are_the_personas(server):
    async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as http:
        body = (await http.get("/v1/models")).json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == list(load_personas().by_id)
    assert {"atlas", "cipher", "nova", "copilot"} <= {m["id"] for m in body["data"]}
    for model in body["data"]:
        assert set(model) == {"id", "object", "created", "owned_by"}
        assert model["object"] == "model" and model["owned_by"] == "firstword" and isinstance(model["created"], int)
    listed = [m.id async for m in sdk(server).models.list()]
    assert listed == [m["id"] for m in body["data"]]


async def test_a_wrong_or_missing_key_is_refused_without_echoing_it(server):
    wrong = "sk-guess-" + "x" * 20
    async with httpx.AsyncClient(base_url=server.url) as http:
        for headers in ({}, {"Authorization": f"Bearer {wrong}"}, {"Authorization": KEY}, {"Authorization": f"Basic {KEY}"}):
            for method, path, body in (("GET", "/v1/models", None),
                                       ("POST", "/v1/chat/completions", {"model": "atlas", "messages": [user("hi")]}),
                                       ("POST", "/api/chat", {"messages": []})):
                response = await http.request(method, path, json=body, headers=headers)
                openai_error(response, 401, "invalid_api_key")
                assert wrong not in response.text and KEY not in response.text
    assert server.llm.calls == []  # type: ignore[attr-defined]
    with pytest.raises(openai.AuthenticationError) as raised:
        await sdk(server, wrong).models.list()
    assert raised.value.code == "invalid_api_key"


async def test_with_no_keys_configured_everyone_is_refused_and_told_how_to_set_one():
    async with api_server(keys="") as srv, httpx.AsyncClient(base_url=srv.url) as http:
        for headers in ({}, AUTH):
            error = openai_error(await http.get("/v1/models", headers=headers), 401, "invalid_api_key")
            assert "FIRSTWORD_SERVER__API_KEYS" in error["message"]


async def test_any_of_several_keys_is_accepted():
    async with api_server(keys=f"other-key,{KEY}") as srv, httpx.AsyncClient(base_url=srv.url) as http:
        for key in ("other-key", KEY):
            assert (await http.get("/v1/models", headers={"Authorization": f"Bearer {key}"})).status_code == 200
        openai_error(await http.get("/v1/models", headers={"Authorization": "Bearer other"}), 401, "invalid_api_key")


# ----- completions --------------------------------------------------------------------------------


async def test_the_sdk_reads_a_completion(server):
    completion = await sdk(server).chat.completions.create(
        model="cipher", messages=[{"role": "user", "content": "What did you lead?"}]
    )
    assert completion.id.startswith("chatcmpl-") and completion.object == "chat.completion"
    assert completion.model == "cipher" and isinstance(completion.created, int)
    (choice,) = completion.choices
    assert choice.index == 0 and choice.finish_reason == "stop"
    assert choice.message.role == "assistant" and choice.message.content == "".join(REPLY)
    assert completion.usage is not None
    assert completion.usage.completion_tokens == WORDS and completion.usage.prompt_tokens > 0
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


async def test_the_sdk_reads_a_stream_with_usage(server):
    stream = await sdk(server).chat.completions.create(
        model="atlas", messages=[user("What did you lead?")], stream=True, stream_options={"include_usage": True}
    )
    chunks = [chunk async for chunk in stream]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "".join(REPLY)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == WORDS
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"


async def test_the_raw_stream_conforms(server):
    response, events = await stream_raw(server, {
        "model": "atlas", "messages": [user("What did you lead?")], "stream": True,
        "stream_options": {"include_usage": True}, "user": "someone", "seed": 7, "tools": [],
    })
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert events[-1] == "[DONE]" and "[DONE]" not in events[:-1]
    chunks = events[:-1]
    *content_chunks, usage_chunk = chunks
    assert {c["id"] for c in chunks} == {chunks[0]["id"]} and chunks[0]["id"].startswith("chatcmpl-")
    assert {c["created"] for c in chunks} == {chunks[0]["created"]}
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert {c["model"] for c in chunks} == {"atlas"}
    # The first chunk opens the assistant's message, empty.
    assert content_chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    # Every delta after it carries content, one per model delta, and the last carries the finish
    # reason: no empty chunk after it.
    deltas = [c["choices"][0]["delta"] for c in content_chunks[1:]]
    assert [d["content"] for d in deltas] == REPLY and all(set(d) == {"content"} for d in deltas)
    reasons = [c["choices"][0]["finish_reason"] for c in content_chunks]
    assert reasons == [None] * (len(content_chunks) - 1) + ["stop"]
    assert all(len(c["choices"]) == 1 and c["choices"][0]["index"] == 0 for c in content_chunks)
    # With include_usage: "usage": null on every other chunk, then the usage chunk without choices.
    assert all("usage" in c and c["usage"] is None for c in content_chunks)
    assert usage_chunk["choices"] == []
    usage = usage_chunk["usage"]
    assert usage["completion_tokens"] == WORDS and usage["total_tokens"] == usage["prompt_tokens"] + WORDS


async def test_without_include_usage_no_usage_field_and_no_usage_chunk(server):
    _, events = await stream_raw(server, {"model": "atlas", "messages": [user("Hi")], "stream": True})
    chunks = events[:-1]
    assert events[-1] == "[DONE]"
    assert all("usage" not in c and len(c["choices"]) == 1 for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


async def test_a_reply_without_text_ends_with_one_empty_delta_and_its_reason():
    async with api_server(ScriptedLlm(reply=[])) as srv:
        _, events = await stream_raw(srv, {"model": "nova", "messages": [user("Hi")], "stream": True})
    assert events[-1] == "[DONE]"
    first, last = events[:-1]
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert last["choices"][0]["delta"] == {} and last["choices"][0]["finish_reason"] == "stop"


async def test_aliases_sampling_and_the_request_s_fields(server):
    completion = await sdk(server).chat.completions.create(
        model="technical_advisor", messages=[user("Hi")], temperature=0.0, top_p=0.5, max_tokens=42,
        user="u-1", n=1, stop=["\n"], seed=3,
    )
    assert completion.model == "cipher"
    sampling = server.llm.call_args[-1].sampling  # type: ignore[attr-defined]
    assert (sampling.temperature, sampling.top_p, sampling.max_tokens) == (0.0, 0.5, 42)
    await sdk(server).chat.completions.create(model="cipher", messages=[user("Hi")], max_completion_tokens=17)
    assert server.llm.call_args[-1].sampling.max_tokens == 17  # type: ignore[attr-defined]
    # No override: the persona's own (Cipher's temperature is 0.2).
    await sdk(server).chat.completions.create(model="cipher", messages=[user("Hi")])
    assert server.llm.call_args[-1].sampling.temperature == 0.2  # type: ignore[attr-defined]


async def test_system_messages_history_and_text_parts_reach_the_model(server):
    await sdk(server).chat.completions.create(model="atlas", messages=[
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": [{"type": "text", "text": "First"}, {"type": "text", "text": "question"}]},
        {"role": "assistant", "content": "First answer"},
        {"role": "tool", "tool_call_id": "call_1", "content": "a client's tool result"},
        {"role": "user", "content": [{"type": "text", "text": "Second question?"}]},
    ])
    messages: list[ChatMessage] = server.llm.calls[-1]  # type: ignore[attr-defined]
    system = messages[0]
    atlas = load_personas().get_persona("atlas")
    assert system.role == "system" and system.content.endswith(atlas.instructions)
    # The dossier first (the shared, cached prefix), the client's instructions, then the persona's.
    assert system.content.index("About the user") < system.content.index("Answer in French.") \
        < system.content.index(atlas.instructions)
    assert [(m.role, m.content) for m in messages[1:3]] == [("user", "First\nquestion"), ("assistant", "First answer")]
    assert messages[3].role == "user" and "a client's tool result" in messages[3].content
    assert messages[-1] == ChatMessage("user", "Second question?")


@pytest.mark.parametrize(("body", "param"), [
    ({"model": "atlas", "messages": [{"role": "assistant", "content": "Hi"}]}, "messages"),
    ({"model": "atlas", "messages": []}, "messages"),
    ({"model": "atlas", "messages": [user("   ")]}, "messages"),
    ({"model": "atlas", "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:,"}}]}]}, "messages[0].content[0]"),
    ({"model": "atlas", "messages": [{"role": "wizard", "content": "Hi"}]}, "messages.0.role"),
    ({"messages": [user("Hi")]}, "model"),
    ({"model": "atlas", "messages": [user("Hi")], "n": 2}, "n"),
    ({"model": "atlas", "messages": [user("Hi")], "temperature": 3}, "temperature"),
    ({"model": "atlas", "messages": [user("Hi")], "max_tokens": 0}, "max_tokens"),
])
async def test_invalid_bodies_are_400s(server, body, param):
    async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as http:
        openai_error(await http.post("/v1/chat/completions", json=body), 400, None, param)


async def test_bad_json_is_a_400(server):
    async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as http:
        for raw in (b"{not json", b"[]", b'"text"'):
            response = await http.post("/v1/chat/completions", content=raw, headers={"content-type": "application/json"})
            assert response.status_code == 400, response.text
            assert response.json()["error"]["type"] == "invalid_request_error"


async def test_the_app_s_own_body_checks_answer_openai_error_objects_here(server):
    # The app-wide check for text that is not Unicode (a lone surrogate) raises the app's error;
    # on these routes it leaves in OpenAI's shape.
    raw = b'{"model": "atlas", "messages": [{"role": "user", "content": "\\ud800"}]}'
    async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as http:
        response = await http.post("/v1/chat/completions", content=raw, headers={"content-type": "application/json"})
    openai_error(response, 400, "invalid_text")


async def test_an_unknown_model_is_a_404(server):
    async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as http:
        error = openai_error(await http.post("/v1/chat/completions", json={"model": "gpt-9", "messages": [user("Hi")]}),
                             404, "model_not_found", "model")
        assert "atlas" in error["message"]
        openai_error(await http.get("/v1/models/gpt-9"), 404, "model_not_found", "model")
    with pytest.raises(openai.NotFoundError) as raised:
        await sdk(server).chat.completions.create(model="gpt-9", messages=[user("Hi")], stream=True)
    assert raised.value.code == "model_not_found"


async def test_a_message_past_the_context_window_is_a_400(server):
    async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as http:
        for stream in (False, True):
            body = {"model": "atlas", "messages": [user("x" * 100_000)], "stream": stream}
            error = openai_error(await http.post("/v1/chat/completions", json=body), 400, "context_length_exceeded", "messages")
            assert "2048 tokens" in error["message"]
    with pytest.raises(openai.BadRequestError) as raised:
        await sdk(server).chat.completions.create(model="atlas", messages=[user("x" * 100_000)])
    assert raised.value.code == "context_length_exceeded"
    assert server.llm.calls == []  # type: ignore[attr-defined]


async def test_the_engine_s_own_context_refusal_is_a_400():
    def refuse(messages: list[ChatMessage]) -> list[str]:
        raise LlmError("prompt is 2100 tokens but only 1888 fit (llm.local.n_ctx=2048 minus max_tokens=160), "
                       "even after dropping the conversation history; shorten the system prompt or the question")

    async with api_server(ScriptedLlm(reply=refuse)) as srv:
        for stream in (False, True):
            with pytest.raises(openai.BadRequestError) as raised:
                result = await sdk(srv).chat.completions.create(model="atlas", messages=[user("Hi")], stream=stream)
                if stream:
                    [c async for c in result]  # type: ignore[union-attr]
            assert raised.value.code == "context_length_exceeded" and "only 1888 fit" in raised.value.message


async def test_a_conversation_far_past_the_window_is_answered_from_its_newest_history(server):
    history: list[dict[str, str]] = []
    for i in range(60):
        history += [user(f"question {i} " + "q" * 500), {"role": "assistant", "content": f"answer {i} " + "a" * 500}]
    async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as http:
        for stream in (False, True):
            response = await http.post("/v1/chat/completions", json={
                "model": "atlas", "messages": [*history, user("And now?")], "stream": stream})
            assert response.status_code == 200, response.text
            dropped = int(response.headers["x-firstword-history-dropped"])
            sent = server.llm.calls[-1][1:-1]  # type: ignore[attr-defined]
            assert dropped == len(history) - len(sent) and dropped > 100
            assert sent[0].content.startswith("question") and sent[-1].content.startswith("answer 59")
            assert sum(len(m.content) for m in sent) <= Settings().board.history_chars
    async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as http:
        short = await http.post("/v1/chat/completions", json={"model": "atlas", "messages": [user("Hi")]})
    assert short.headers["x-firstword-history-dropped"] == "0"


async def test_a_model_failure_mid_stream_ends_it_with_an_error_the_sdk_raises():
    async with api_server(ScriptedLlm(reply=REPLY, fail_after=2)) as srv:
        _, events = await stream_raw(srv, {"model": "atlas", "messages": [user("Hi")], "stream": True})
        assert "[DONE]" not in events
        *chunks, last = events
        assert [c["choices"][0]["delta"].get("content") for c in chunks] == ["", "I", " led"]
        assert set(last) == {"error"} and last["error"]["type"] == "server_error"
        assert last["error"]["code"] == "model_error" and "scripted failure" in last["error"]["message"]
        stream = await sdk(srv).chat.completions.create(model="atlas", messages=[user("Hi")], stream=True)
        received: list[str] = []
        with pytest.raises(openai.APIError) as raised:
            async for chunk in stream:
                received.append(chunk.choices[0].delta.content or "")
        assert "".join(received) == "I led" and "scripted failure" in raised.value.message
        # Not streamed, the same failure is a 5xx before anything is sent (retryable: 503).
        with pytest.raises(openai.InternalServerError) as failed:
            await sdk(srv).chat.completions.create(model="atlas", messages=[user("Hi")])
        assert failed.value.status_code == 503


async def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_client_that_disconnects_mid_stream_stops_the_model():
    llm = ScriptedLlm(reply=["word "] * 200, interval_s=0.05)
    async with api_server(llm) as srv:
        async with httpx.AsyncClient(base_url=srv.url, headers=AUTH, timeout=30) as http:
            async with http.stream("POST", "/v1/chat/completions",
                                   json={"model": "atlas", "messages": [user("Hi")], "stream": True}) as response:
                seen = 0
                async for line in response.aiter_lines():
                    seen += line.startswith("data:")
                    if seen >= 3:
                        break
        await wait_for(lambda: llm.cancelled == 1)
        assert llm.completed == 0 and llm.active == 0


async def test_a_client_that_disconnects_before_a_completion_stops_the_model():
    llm = ScriptedLlm(reply=["word "] * 200, interval_s=0.05)
    async with api_server(llm) as srv:
        async with httpx.AsyncClient(base_url=srv.url, headers=AUTH, timeout=30) as http:
            request = asyncio.create_task(
                http.post("/v1/chat/completions", json={"model": "atlas", "messages": [user("Hi")]}))
            await wait_for(lambda: llm.active == 1)
            request.cancel()
            with pytest.raises(asyncio.CancelledError):
                await request
        await wait_for(lambda: llm.cancelled == 1)
        assert llm.completed == 0


async def test_server_side_tools_run_but_stay_out_of_the_openai_stream(tmp_path):
    tools = FakeTools()
    async with api_server(tools=tools) as srv:
        _, events = await stream_raw(srv, {"model": "cipher", "messages": [user(f"/analyze {tmp_path}")],
                                           "stream": True})
    assert tools.calls == [("analyze_repository", {"path": str(tmp_path)})]
    deltas = [e["choices"][0]["delta"] for e in events[:-1]]
    assert all(set(d) <= {"role", "content"} for d in deltas)
    assert "".join(d.get("content", "") for d in deltas) == "".join(REPLY)
    # The model answered from the tool's result.
    assert "3 packages" in srv.llm.calls[-1][-1].content  # type: ignore[attr-defined]
