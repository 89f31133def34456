"""The OpenAI-compatible engine against llama-cpp-python's own server, on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from firstword.config import OpenAiLlmConfig
from firstword.llm.base import ChatMessage, LlmError
from firstword.llm.llama_local import bundled_model_path
from firstword.llm.openai_compat import OpenAiCompatEngine

pytestmark = pytest.mark.engine

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


def make_engine(base_url: str, key: str = API_KEY, timeout_s: float = 60.0) -> OpenAiCompatEngine:
    return OpenAiCompatEngine(
        OpenAiLlmConfig(base_url=base_url, api_key=SecretStr(key), model="smollm2", timeout_s=timeout_s)
    )


@pytest.fixture
async def engine(server: Server) -> AsyncIterator[OpenAiCompatEngine]:
    eng = make_engine(server.base_url)
    yield eng
    await eng.aclose()


def assert_no_key(error: BaseException, *keys: str) -> None:
    assert error.__cause__ is None and error.__context__ is None
    rendered = "".join(traceback.format_exception(error))
    for key in (API_KEY, *keys):
        assert key not in str(error)
        assert key not in repr(error)
        assert key not in rendered


async def test_streams_an_answer(engine: OpenAiCompatEngine) -> None:
    deltas = [d async for d in engine.stream(QUESTION, max_tokens=24, temperature=0.0)]
    assert len(deltas) > 3
    assert all(isinstance(d, str) and d for d in deltas)
    assert "".join(deltas).strip()


async def test_warm_does_nothing(engine: OpenAiCompatEngine, server: Server) -> None:
    before = server.log_text().count("POST /v1/chat/completions")
    await engine.warm(QUESTION[:1])
    assert server.log_text().count("POST /v1/chat/completions") == before


async def test_cancel_mid_stream_closes_the_connection(
    engine: OpenAiCompatEngine, server: Server
) -> None:
    disconnects = server.log_text().count("Disconnected from client")
    stream = engine.stream(QUESTION, max_tokens=400, temperature=0.7)
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
    deltas = [d async for d in engine.stream(QUESTION, max_tokens=8, temperature=0.0)]
    assert "".join(deltas).strip()


async def test_task_cancellation_closes_the_stream(engine: OpenAiCompatEngine) -> None:
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in engine.stream(QUESTION, max_tokens=400, temperature=0.7):
            first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    deltas = [d async for d in engine.stream(QUESTION, max_tokens=8, temperature=0.0)]
    assert deltas


class CuttingProxy:
    """Forwards one TCP connection to the server and cuts it after a few SSE events.

    The cut lands inside the chunked HTTP body, as a dropped connection or a crashed server would
    leave it.
    """

    def __init__(self, upstream_port: int, events: int) -> None:
        self.upstream_port = upstream_port
        self.events = events
        self.cut = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> CuttingProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

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


async def test_connection_cut_mid_stream_is_an_llm_error(server: Server) -> None:
    port = int(server.base_url.rsplit(":", 1)[1].split("/")[0])
    async with CuttingProxy(port, events=5) as proxy:
        proxy_url = proxy.base_url
        eng = make_engine(proxy_url)
        got: list[str] = []
        try:
            with pytest.raises(LlmError) as info:
                async for delta in eng.stream(QUESTION, max_tokens=60, temperature=0.0):
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
    eng = make_engine(down, timeout_s=5.0)
    try:
        with pytest.raises(LlmError) as info:
            async for _ in eng.stream(QUESTION, max_tokens=8, temperature=0.0):
                pass
    finally:
        await eng.aclose()
    assert "connection failed" in str(info.value)
    assert down in str(info.value)
    assert info.value.retryable
    assert_no_key(info.value)


async def test_rejected_key_is_an_llm_error_without_the_key(server: Server) -> None:
    wrong = "sk-wrong-" + secrets.token_hex(12)
    eng = make_engine(server.base_url, key=wrong)
    try:
        with pytest.raises(LlmError) as info:
            async for _ in eng.stream(QUESTION, max_tokens=8, temperature=0.0):
                pass
    finally:
        await eng.aclose()
    assert "HTTP 401" in str(info.value)
    assert not info.value.retryable
    assert_no_key(info.value, wrong)
