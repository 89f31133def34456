"""The OpenAI-compatible engine: against llama-cpp-python's own server on loopback (marker
``engine``), and against a scripted SSE server for what that server cannot show (tool calls,
usage, pausing and pre-emption by priority)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import traceback
from typing import Self
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from firstword.config import OpenAiLlmConfig, Sampling
from firstword.llm.base import (
    ChatMessage,
    FinishChunk,
    LlmChunk,
    LlmError,
    Priority,
    TextChunk,
    ToolCallChunk,
    UsageChunk,
    text_of,
)
from firstword.llm.llama_local import bundled_model_path
from firstword.llm.openai_compat import OpenAiCompatEngine
from firstword.llm.scheduler import Preempted

engine_test = pytest.mark.engine

API_KEY = "sk-firstword-test-" + secrets.token_hex(12)
QUESTION = [
    ChatMessage("system", "You are a helpful assistant."),
    ChatMessage("user", "Count from one to twenty in words, separated by commas."),
]


@dataclass(frozen=True)
class Server:
    base_url: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(bundled_model_path()),
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "2048", "--n_threads", "1",
        "--api_key", API_KEY,
    ]  # fmt: skip
    with log.open("wb") as out:
        # Unbuffered, so the server's "Disconnected from client" line is in the log when printed.
        proc = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited early:\n{log.read_text(errors='replace')}")
            try:
                r = httpx.get(f"{base_url}/models", headers={"Authorization": f"Bearer {API_KEY}"})
                if r.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not answer:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield Server(base_url, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def make_engine(
    base_url: str, key: str = API_KEY, timeout_s: float = 60.0, **settings: object
) -> OpenAiCompatEngine:
    return OpenAiCompatEngine(
        OpenAiLlmConfig(
            base_url=base_url, api_key=SecretStr(key), model="smollm2", timeout_s=timeout_s,
            **settings,  # type: ignore[arg-type]
        )
    )


def sampling(max_tokens: int, temperature: float = 0.0) -> Sampling:
    return Sampling(max_tokens=max_tokens, temperature=temperature)


def text(
    engine: OpenAiCompatEngine, max_tokens: int, temperature: float = 0.0
) -> AsyncIterator[str]:
    return text_of(engine.stream(QUESTION, sampling=sampling(max_tokens, temperature)))


@pytest.fixture
async def engine(server: Server) -> AsyncIterator[OpenAiCompatEngine]:
    eng = make_engine(server.base_url)
    yield eng
    await eng.aclose()


async def llm_error(eng: OpenAiCompatEngine) -> LlmError:
    """The LlmError a short answer from ``eng`` ends in (the engine is closed after)."""
    try:
        with pytest.raises(LlmError) as info:
            async for _ in text(eng, 8):
                pass
    finally:
        await eng.aclose()
    return info.value


def assert_no_key(error: BaseException, *keys: str) -> None:
    assert error.__cause__ is None and error.__context__ is None
    rendered = "".join(traceback.format_exception(error))
    for key in (API_KEY, *keys):
        assert key not in str(error)
        assert key not in repr(error)
        assert key not in rendered


@engine_test
async def test_streams_an_answer(engine: OpenAiCompatEngine) -> None:
    chunks: list[LlmChunk] = [c async for c in engine.stream(QUESTION, sampling=sampling(24))]
    deltas = [c.text for c in chunks if isinstance(c, TextChunk)]
    assert len(deltas) > 3
    assert all(deltas)
    assert "".join(deltas).strip()
    # llama_cpp.server ignores stream_options, so no usage here; the finish comes last, once.
    assert chunks[-1] in (FinishChunk("stop"), FinishChunk("length"))
    assert sum(isinstance(c, FinishChunk) for c in chunks) == 1
    assert all(isinstance(c, TextChunk) for c in chunks[:-1])


@engine_test
async def test_warm_does_nothing(engine: OpenAiCompatEngine, server: Server) -> None:
    before = server.log_text().count("POST /v1/chat/completions")
    await engine.warm(QUESTION[:1])
    assert server.log_text().count("POST /v1/chat/completions") == before


@engine_test
async def test_cancel_mid_stream_closes_the_connection(
    engine: OpenAiCompatEngine, server: Server
) -> None:
    disconnects = server.log_text().count("Disconnected from client")
    stream = text(engine, 400, 0.7)
    got = [await anext(stream) for _ in range(3)]
    assert all(got)
    started = time.perf_counter()
    await stream.aclose()  # type: ignore[attr-defined]
    assert time.perf_counter() - started < 1.0

    # The server notices the dropped connection (and stops generating for it).
    deadline = time.monotonic() + 10
    while server.log_text().count("Disconnected from client") == disconnects:
        assert time.monotonic() < deadline, server.log_text()[-2000:]
        await asyncio.sleep(0.1)

    # The next request still works.
    deltas = [d async for d in text(engine, 8)]
    assert "".join(deltas).strip()


@engine_test
async def test_task_cancellation_closes_the_stream(engine: OpenAiCompatEngine) -> None:
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in text(engine, 400, 0.7):
            first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    deltas = [d async for d in text(engine, 8)]
    assert deltas


class LoopbackServer:
    """An asyncio TCP server on a free loopback port; subclasses handle each connection."""

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/v1"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


class CuttingProxy(LoopbackServer):
    """Forwards one TCP connection to the server and cuts it after a few SSE events.

    The cut lands inside the chunked HTTP body, as a dropped connection or a crashed server would
    leave it.
    """

    def __init__(self, upstream_port: int, events: int) -> None:
        super().__init__()
        self.upstream_port = upstream_port
        self.events = events
        self.cut = asyncio.Event()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)

        async def upstream() -> None:
            with contextlib.suppress(ConnectionError):
                while data := await client_r.read(65536):
                    server_w.write(data)
                    await server_w.drain()

        pump = asyncio.create_task(upstream())
        sent = bytearray()
        try:
            while data := await server_r.read(65536):
                sent += data
                starts = _find_all(bytes(sent), b"data: ")
                if len(starts) > self.events:
                    # Send everything before the (events+1)-th event, then hang up.
                    client_w.write(data[: len(data) - (len(sent) - starts[self.events])])
                    await client_w.drain()
                    self.cut.set()
                    break
                client_w.write(data)
                await client_w.drain()
        finally:
            pump.cancel()
            client_w.close()
            server_w.close()


def _find_all(haystack: bytes, needle: bytes) -> list[int]:
    found, start = [], 0
    while (index := haystack.find(needle, start)) != -1:
        found.append(index)
        start = index + 1
    return found


@engine_test
async def test_connection_cut_mid_stream_is_an_llm_error(server: Server) -> None:
    port = int(server.base_url.rsplit(":", 1)[1].split("/")[0])
    async with CuttingProxy(port, events=5) as proxy:
        proxy_url = proxy.base_url
        eng = make_engine(proxy_url)
        got: list[str] = []
        try:
            with pytest.raises(LlmError) as info:
                async for delta in text(eng, 60):
                    got.append(delta)
        finally:
            await eng.aclose()
    assert proxy.cut.is_set()
    assert got, "the cut should come after some deltas"
    message = str(info.value)
    assert "stream broke off" in message
    assert proxy_url in message
    assert info.value.retryable
    assert_no_key(info.value)


async def test_server_down_is_an_llm_error() -> None:
    down = f"http://127.0.0.1:{free_port()}/v1"
    error = await llm_error(make_engine(down, timeout_s=5.0))
    assert "connection failed" in str(error)
    assert down in str(error)
    assert error.retryable
    assert_no_key(error)


@engine_test
async def test_rejected_key_is_an_llm_error_without_the_key(server: Server) -> None:
    wrong = "sk-wrong-" + secrets.token_hex(12)
    error = await llm_error(make_engine(server.base_url, key=wrong))
    assert "HTTP 401" in str(error)
    assert not error.retryable
    assert_no_key(error, wrong)


# ----- a scripted SSE server: tool calls, usage, priorities -----------------------------------


def content(text: str) -> dict[str, object]:
    return {"index": 0, "delta": {"content": text}, "finish_reason": None}


def tool_fragment(
    index: int, *, call_id: str | None = None, name: str | None = None, args: str = ""
) -> dict[str, object]:
    function: dict[str, object] = {"arguments": args}
    fragment: dict[str, object] = {"index": index, "function": function}
    if call_id is not None:
        fragment["id"], fragment["type"] = call_id, "function"
    if name is not None:
        function["name"] = name
    return {"index": 0, "delta": {"tool_calls": [fragment]}, "finish_reason": None}


def finish(reason: str) -> dict[str, object]:
    return {"index": 0, "delta": {}, "finish_reason": reason}


def event(*choices: dict[str, object], usage: dict[str, object] | None = None) -> dict[str, object]:
    body: dict[str, object] = {
        "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "m",
        "choices": list(choices),
    }  # fmt: skip
    if usage is not None:
        body["usage"] = usage
    return body


@dataclass
class Gate:
    """Holds the scripted server before its next event until the test opens it."""

    opened: asyncio.Event


Script = list["dict[str, object] | float | Gate"]


class SseServer(LoopbackServer):
    """Answers each POST with the next script: events as SSE, a float sleeps, a Gate waits.

    Records each request's JSON body, and whether the client hung up before the script ended.
    """

    def __init__(self, *scripts: Script) -> None:
        super().__init__()
        self.scripts = list(scripts)
        self.requests: list[dict[str, object]] = []
        self.hung_up = 0
        self.sent: list[int] = []

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        self.requests.append(json.loads(await reader.readexactly(length)))
        script = self.scripts.pop(0)
        gone = asyncio.ensure_future(reader.read(1))  # EOF: the client closed the connection
        sent = 0
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
            b"connection: close\r\n\r\n"
        )
        try:
            for step in script:
                if isinstance(step, float):
                    await asyncio.wait([gone], timeout=step)
                elif isinstance(step, Gate):
                    opened = asyncio.ensure_future(step.opened.wait())
                    await asyncio.wait([gone, opened], return_when=asyncio.FIRST_COMPLETED)
                    opened.cancel()
                else:
                    writer.write(b"data: " + json.dumps(step).encode() + b"\n\n")
                    await writer.drain()
                    sent += 1
                if gone.done():
                    self.hung_up += 1
                    return
            writer.write(b"data: [DONE]\n\n")
            await writer.drain()
        except ConnectionError:
            self.hung_up += 1
        finally:
            self.sent.append(sent)
            gone.cancel()
            writer.close()



async def test_tool_call_fragments_become_whole_calls_as_each_completes() -> None:
    gate = Gate(asyncio.Event())
    script: Script = [
        event(content("Let me look.")),
        event(tool_fragment(0, call_id="call_a", name="search_repo", args='{"query": ')),
        event(tool_fragment(0, args='"retry policy"}')),
        event(tool_fragment(1, call_id="call_b", name="read_file", args='{"path"')),
        gate,  # the first call is complete once the second starts: it must be out by now
        event(tool_fragment(1, args=': "README.md"}')),
        event(finish("tool_calls")),
        event(usage={"prompt_tokens": 40, "completion_tokens": 21, "total_tokens": 61,
                     "prompt_tokens_details": {"cached_tokens": 32}}),
    ]  # fmt: skip
    async with SseServer(script) as server:
        engine = make_engine(server.base_url)
        got: list[LlmChunk] = []
        try:
            async for chunk in engine.stream(QUESTION, sampling=sampling(64)):
                got.append(chunk)
                if isinstance(chunk, ToolCallChunk):
                    gate.opened.set()
        finally:
            await engine.aclose()
    assert got == [
        TextChunk("Let me look."),
        ToolCallChunk("call_a", "search_repo", '{"query": "retry policy"}'),
        ToolCallChunk("call_b", "read_file", '{"path": "README.md"}'),
        UsageChunk(prompt_tokens=40, completion_tokens=21, cached_tokens=32),
        FinishChunk("tool_calls"),
    ]
    assert got[1].arguments() == {"query": "retry policy"}  # type: ignore[union-attr]
    assert server.hung_up == 0


async def test_a_tool_call_without_a_name_is_an_llm_error() -> None:
    script: Script = [
        event(tool_fragment(0, call_id="call_x", args="{}")),
        event(finish("tool_calls")),
    ]
    async with SseServer(script) as server:
        engine = make_engine(server.base_url)
        try:
            with pytest.raises(LlmError, match="without a name"):
                async for _ in engine.stream(QUESTION, sampling=sampling(8)):
                    pass
        finally:
            await engine.aclose()


@pytest.mark.parametrize("stream_usage", [True, False])
async def test_the_request_carries_the_sampling_and_asks_for_usage_if_configured(
    stream_usage: bool,
) -> None:
    script: Script = [event(content("Hi")), event(finish("stop"))]
    async with SseServer(script) as server:
        engine = make_engine(server.base_url, stream_usage=stream_usage)
        try:
            chunks = [c async for c in engine.stream(
                QUESTION, sampling=Sampling(max_tokens=77, temperature=0.25, top_p=0.5)
            )]  # fmt: skip
        finally:
            await engine.aclose()
    assert chunks == [TextChunk("Hi"), FinishChunk("stop")]
    (request,) = server.requests
    assert (request["max_tokens"], request["temperature"], request["top_p"]) == (77, 0.25, 0.5)
    assert request["stream"] is True
    if stream_usage:
        assert request["stream_options"] == {"include_usage": True}
    else:
        assert "stream_options" not in request


def paced(words: int, interval: float, finish_reason: str = "stop") -> Script:
    script: Script = []
    for i in range(words):
        script += [event(content(f" w{i}")), interval]
    return [*script, event(finish(finish_reason))]


async def test_a_background_stream_stops_reading_while_a_live_one_runs() -> None:
    async with SseServer(paced(30, 0.01), paced(10, 0.01)) as server:
        engine = make_engine(server.base_url, max_concurrent=2)
        log: list[str] = []

        async def consume(tag: str, priority: Priority) -> None:
            stream = engine.stream(QUESTION, sampling=sampling(64), priority=priority)
            async for text in text_of(stream):
                log.append(tag + text)

        try:
            background = asyncio.create_task(consume("bg", Priority.BACKGROUND))
            while len(log) < 3:
                await asyncio.sleep(0.005)
            await consume("live", Priority.LIVE)
            await background
        finally:
            await engine.aclose()
    live = [i for i, entry in enumerate(log) if entry.startswith("live")]
    assert live == list(range(live[0], live[0] + 10)), "background text during the live answer"
    assert [e for e in log if e.startswith("bg")] == [f"bg w{i}" for i in range(30)]
    assert engine.scheduler.pauses == 1
    assert server.hung_up == 0


async def test_a_live_stream_takes_the_only_slot_back_and_the_background_one_hangs_up() -> None:
    async with SseServer(paced(200, 0.01), paced(5, 0.0)) as server:
        where = server.base_url
        engine = make_engine(where, max_concurrent=1)
        got: list[str] = []

        async def background() -> None:
            stream = engine.stream(QUESTION, sampling=sampling(300), priority=Priority.BACKGROUND)
            async for text in text_of(stream):
                got.append(text)

        try:
            task = asyncio.create_task(background())
            while len(got) < 3:
                await asyncio.sleep(0.005)
            live = [t async for t in text_of(engine.stream(QUESTION, sampling=sampling(8)))]
            with pytest.raises(Preempted) as info:
                await task
        finally:
            await engine.aclose()
    assert live == [f" w{i}" for i in range(5)]
    assert info.value.retryable and where in str(info.value)
    assert 3 <= len(got) < 200
    # The background stream was closed (the server saw the hang-up) before the live one began.
    assert server.hung_up == 1 and server.sent[0] < 200
    assert engine.scheduler.preemptions == 1


class EchoingServer(LoopbackServer):
    """Refuses every request with 401 and a body that echoes the key it got, mangled the ways a
    provider might (lower-cased, cut short, spaced), as the independent probe's server did."""

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0)
        await reader.readexactly(length)
        key = next(line.split(b"Bearer ")[1].decode() for line in head.split(b"\r\n") if line.lower().startswith(b"authorization"))
        message = f"Incorrect API key provided: {key.lower()} ({key[:12]}...; {' '.join(key)})"
        body = json.dumps({"error": {"message": message, "type": "invalid_request_error"}}).encode()
        writer.write(b"HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: "
                     + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body)
        await writer.drain()
        writer.close()


async def test_a_provider_echoing_the_key_in_any_form_never_reaches_the_error() -> None:
    key = "sk-Live-" + secrets.token_hex(16).upper()
    async with EchoingServer() as upstream:
        said = str(await llm_error(make_engine(upstream.base_url, key=key)))
    assert "HTTP 401" in said and "refused the API key" in said
    for form in (key, key.lower(), key[:12], key[8:20].lower(), " ".join(key)[:20]):
        assert form not in said
    assert "Incorrect API key" not in said, "the provider's own words stay in the server's log"
