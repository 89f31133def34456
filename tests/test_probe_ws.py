"""The WebSocket probe, in the suite: hypothesis-made frames and control messages against a real
server. Whatever comes in, a connection either stays open (a ping is answered) or is closed with
a documented code after a documented error frame; the server never fails, and the session goes
on answering.

Fake VAD/STT/LLM engines (``firstword.testing``): the probe is about the transport, not models.
The number of examples is bounded (``PROBE_EXAMPLES``) so that CI stays quick; the count run is
printed at the end (README, "Reliability").
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator

import httpx
import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firstword.config import Settings
from firstword.events.wire import CloseCode, ControlType, ErrorCode
from firstword.llm.scripted import ScriptedLlm
from firstword.server.app import create_app
from tests.conftest import InLoopServer
from tests.test_server import fake_engines

PROBE_EXAMPLES = 120
ERROR_CODES = {code.value for code in ErrorCode}
# Closes the protocol documents for something a client sent (PROTOCOL.md, "WebSocket").
DOCUMENTED_CLOSES = {CloseCode.TOO_BIG, CloseCode.UNSUPPORTED_AUDIO, CloseCode.BAD_REQUEST}
RUN = {"examples": 0, "frames": 0, "closed": 0}


class ThreadServer:
    """A real uvicorn server with fake engines, on its own event loop in a thread, so that
    hypothesis's synchronous examples can each open their own client connections."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.stopping: asyncio.Event | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.url = ""
        self.ws_url = ""
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        settings = Settings()
        settings.limits.create_burst = 1_000  # the probe opens a session per example
        llm = ScriptedLlm(reply=["I", " led", " it", "."], interval_s=0.001)
        async with InLoopServer(create_app(settings, fake_engines(llm))) as srv:
            self.url, self.ws_url = srv.url, srv.ws_url
            self.loop = asyncio.get_running_loop()
            self.stopping = asyncio.Event()
            self.ready.set()
            await self.stopping.wait()

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        assert self.ready.wait(30), "the probe's server did not start"
        return self

    def __exit__(self, *_: object) -> None:
        assert self.loop is not None and self.stopping is not None
        self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(15)


@pytest.fixture(scope="module")
def probe_server() -> Iterator[ThreadServer]:
    with ThreadServer() as server:
        yield server
    print(f"\nWebSocket probe: {RUN['examples']} examples, {RUN['frames']} frames, {RUN['closed']} documented closes")


# ----- what a hostile or broken client sends ----------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
control_types = st.sampled_from([t.value for t in ControlType]) | st.text(max_size=12)
control_messages = st.fixed_dictionaries(
    {"type": control_types},
    optional={
        "text": st.text(max_size=300) | json_values,
        "sample_rate": st.sampled_from([16_000, 44_100, 8_000, 0, -1]) | st.floats() | st.text(max_size=8) | st.none(),
    },
).map(json.dumps)
text_frames = st.one_of(
    control_messages,
    st.text(max_size=200),  # not JSON at all
    json_values.map(json.dumps),  # JSON that is not a control message
    st.integers(1_000, 5_000).map(lambda n: '{"type": "message", "text": ' + "[" * n + "]" * n + "}"),
    st.just('{"type": "message", "text": "lone \\ud800 surrogate"}'),
)
binary_frames = st.one_of(
    st.binary(max_size=1_280),  # any bytes: odd lengths, empty, noise
    st.binary(min_size=2, max_size=640).map(lambda b: b[: len(b) // 2 * 2]),  # whole samples
    st.sampled_from([b"RIFF", b"fLaC", b"OggS", b"ID3", b"\x1aE\xdf\xa3", b"{", b"hello"]).map(lambda h: h + b"\x00" * 64),
    st.integers(64_001, 70_000).map(lambda n: b"\x00" * (n // 2 * 2)),  # over max_message_bytes
)
frames = st.lists(st.one_of(text_frames, binary_frames), min_size=1, max_size=12)


async def _play(server: ThreadServer, sequence: list[str | bytes]) -> tuple[list[dict], int | None]:
    """Sends ``sequence`` on a new session's WebSocket, then a ping; the messages received, and
    the close code if the server closed the connection."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        created = (await http.post("/sessions", json={})).json()
        try:
            return await _play_on(created, sequence)
        finally:  # a node serves limits.max_sessions at once
            await http.delete(f"/sessions/{created['session_id']}", params={"token": created["owner_token"]})


async def _play_on(created: dict, sequence: list[str | bytes]) -> tuple[list[dict], int | None]:
    got: list[dict] = []
    url = f"{created['ws_url']}?token={created['owner_token']}"
    async with websockets.connect(url, max_size=None) as ws:
        try:
            for frame in sequence:
                await ws.send(frame)
            await ws.send(json.dumps({"type": "ping"}))
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                got.append(message)
                if message["type"] == "pong":
                    return got, None
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None, f"closed without a close frame after {got[-3:]}"
            return got, closed.rcvd.code


@settings(max_examples=PROBE_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(sequence=frames)
def test_any_frames_leave_the_connection_open_or_closed_as_documented(probe_server: ThreadServer, sequence) -> None:  # type: ignore[no-untyped-def]
    got, close = asyncio.run(_play(probe_server, sequence))
    RUN["examples"] += 1
    RUN["frames"] += len(sequence)
    errors = [m["data"] for m in got if m["type"] == "error"]
    assert all(e["code"] in ERROR_CODES and e["message"] for e in errors), errors
    if close is not None:
        RUN["closed"] += 1
        assert close in DOCUMENTED_CLOSES, f"closed {close}: {errors[-1:]}"
        assert errors, f"closed {close} without saying why"


def test_after_the_probe_the_server_is_healthy_and_a_session_is_answered(probe_server: ThreadServer) -> None:
    async def check() -> None:
        async with httpx.AsyncClient(base_url=probe_server.url, timeout=10) as http:
            assert (await http.get("/healthz")).status_code == 200
            created = (await http.post("/sessions", json={})).json()
            async with websockets.connect(f"{created['ws_url']}?token={created['owner_token']}") as ws:
                await ws.send(json.dumps({"type": "message", "text": "Why do you want this job?"}))
                while (m := json.loads(await asyncio.wait_for(ws.recv(), 10)))["type"] != "answer.done":
                    assert m["type"] != "error", m
    asyncio.run(check())
