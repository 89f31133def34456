"""What an independent probe broke, kept broken-proof: a link that freezes without closing, audio
faster than real time, lone surrogates, unbounded sessions, WebSocket edges, a closed session's
owner, a provider echoing its key, an answer cut off by kill -9 (in test_store_sqlite).

Real server (uvicorn on loopback), real WebSockets; fake VAD/STT/LLM engines from
``firstword.testing`` so that timing is the server's, not a model's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time

import httpx
import numpy as np
import pytest
import websockets

from firstword.config import LimitsConfig, Settings
from firstword.events.envelope import Event
from firstword.llm.scripted import ScriptedLlm
from firstword.server.app import create_app
from firstword.server.limits import AudioPacer, CreationLimiter
from firstword.testing import ManualClock, silence, tone
from tests.conftest import InLoopServer
from tests.test_server import fake_engines, frames, new_session


def settings_with(**limits: float) -> Settings:
    settings = Settings()
    for key, value in limits.items():
        setattr(settings.limits, key, value)
    return settings


@contextlib.asynccontextmanager
async def serving(settings: Settings | None = None):  # type: ignore[no-untyped-def]
    llm = ScriptedLlm(reply=["I", " care", " about", " patients", "."], interval_s=0.01)
    async with InLoopServer(create_app(settings or Settings(), fake_engines(llm))) as srv:
        yield srv


async def next_of(ws, predicate, timeout: float = 10.0) -> dict:  # type: ignore[no-untyped-def]
    """The first message from ``ws`` that ``predicate`` accepts."""
    async def loop() -> dict:
        while True:
            message = json.loads(await ws.recv())
            if predicate(message):
                return message

    return await asyncio.wait_for(loop(), timeout)


def is_error(code: str):  # type: ignore[no-untyped-def]
    return lambda m: m["type"] == "error" and m["data"]["code"] == code


# ----- a link that freezes without closing ---------------------------------------------------


class FreezingRelay:
    """A loopback TCP relay that can freeze: it stops forwarding in both directions and closes
    nothing, as a NAT or Wi-Fi that drops a flow silently does. Neither end notices."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.frozen = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> FreezingRelay:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()

    @property
    def ws_base(self) -> str:
        assert self._server is not None
        return f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self._writers += [writer, up_writer]

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            while data := await source.read(65536):
                if self.frozen.is_set():
                    await asyncio.Event().wait()  # hold the bytes and the sockets for ever
                sink.write(data)
                await sink.drain()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer), return_exceptions=True)


@pytest.mark.parametrize("source", ["interviewer", "user"])
async def test_after_a_frozen_link_the_owners_new_connection_is_heard_at_once(source: str) -> None:
    async with serving() as srv, FreezingRelay(srv.port) as relay:
        s = await new_session(srv)
        query = f"/sessions/{s['session_id']}/ws?token={s['owner_token']}&source={source}"
        old = await websockets.connect(relay.ws_base + query, ping_interval=None)
        for frame in frames(silence(400)):
            await old.send(frame)
        await old.send(json.dumps({"type": "ping"}))
        await next_of(old, lambda m: m["type"] == "pong")  # the old link carries the audio now
        relay.frozen.set()
        await old.send(frames(silence(20))[0])  # lost in the frozen relay

        started = time.monotonic()
        async with websockets.connect(srv.ws_url + query) as new:
            for frame in frames(np.concatenate([tone(800), silence(2000)])):
                await new.send(frame)
            await new.send(json.dumps({"type": "ping"}))
            got = []
            while (m := json.loads(await asyncio.wait_for(new.recv(), 10)))["type"] != "pong":
                got.append(m)
            assert not [m for m in got if m["type"] == "error"], got
        # Heard: the new audio was transcribed (the interviewer's on the log, the user's too).
        async with httpx.AsyncClient(base_url=srv.url, timeout=10) as http:
            kind = "transcript.final" if source == "interviewer" else "user.transcript.final"
            deadline = time.monotonic() + 10
            while True:
                async with http.stream("GET", f"/sessions/{s['session_id']}/events",
                                       params={"token": s["owner_token"]}) as r:
                    seen = []
                    async for line in r.aiter_lines():
                        if line.startswith("event: "):
                            seen.append(line[7:])
                            if kind in seen:
                                break
                        elif line.startswith(":") or line == "" and len(seen) > 3:
                            break
                if kind in seen or time.monotonic() > deadline:
                    break
            assert kind in seen, seen
        assert time.monotonic() - started < 10, "heard within seconds, not after ~40 s of pings"
        old.transport.abort()


# ----- audio faster than real time -------------------------------------------------------------


def test_the_pacer_takes_real_time_for_ever_and_refuses_a_flood_past_its_burst() -> None:
    clock = ManualClock()
    pacer = AudioPacer(LimitsConfig(audio_burst_s=6.0, audio_speed=1.25), clock=clock)
    for _ in range(30_000):  # ten minutes of 20 ms frames at real time
        clock.advance_ms(20)
        assert pacer.admit(0.02)
    flood = AudioPacer(LimitsConfig(audio_burst_s=6.0, audio_speed=1.25), clock=clock)
    taken = 0.0
    for _ in range(255 * 50 * 10):  # ten seconds at 255x real time
        clock.advance_ms(20 / 255)
        taken += 0.02 if flood.admit(0.02) else 0.0
    assert 6.0 <= taken <= 6.0 + 1.25 * 10 + 0.02
    assert flood.refused_s > 1_000


async def test_audio_at_255x_real_time_is_refused_with_a_clear_error_and_the_connection_stays() -> None:
    async with serving() as srv:
        s = await new_session(srv)
        async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}") as ws:
            burst = frames(silence(20_000))  # 20 s of audio, sent as fast as the socket goes
            for frame in burst:
                await ws.send(frame)
            error = await next_of(ws, is_error("audio_too_fast"))
            assert "faster than real time" in error["data"]["message"]
            await ws.send(json.dumps({"type": "ping"}))
            await next_of(ws, lambda m: m["type"] == "pong")


# ----- lone surrogates -------------------------------------------------------------------------

LONE = '"bad \\ud800 text"'  # a JSON string holding a lone surrogate, as the probe sent it


async def test_lone_surrogates_are_refused_at_the_edge_and_the_session_carries_on() -> None:
    async with serving() as srv, httpx.AsyncClient(base_url=srv.url, timeout=10) as http:
        s = await new_session(srv)
        sid, auth = s["session_id"], {"Authorization": f"Bearer {s['owner_token']}", "Content-Type": "application/json"}
        refused = [
            await http.post(f"/sessions/{sid}/messages", content='{"text": %s}' % LONE, headers=auth),
            await http.put(f"/sessions/{sid}/profile", content='{"resume": %s}' % LONE, headers=auth),
            await http.put(f"/sessions/{sid}/profile", content='{%s: "x"}' % LONE, headers=auth),
            await http.post(f"/sessions/{sid}/observers", content='{"label": "\\udfff"}', headers=auth),
            await http.post("/sessions", content='{"profile": {"notes": %s}}' % LONE, headers=auth),
            # Raw bytes of an encoded surrogate, which Python's json reads too.
            await http.post(f"/sessions/{sid}/messages", content=b'{"text": "x \xed\xa0\x80"}', headers=auth),
        ]
        for response in refused:
            assert response.status_code == 400, response.text
            assert response.json()["error"]["code"] == "invalid_text"
        async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}") as ws:
            await ws.send('{"type": "message", "text": %s}' % LONE)
            error = await next_of(ws, is_error("invalid_text"))
            assert "lone surrogate" in error["data"]["message"]
            # The session is whole: a question is answered, observers list, replay from 0 works.
            ok = await http.post(f"/sessions/{sid}/messages", json={"text": "Why do you want this job? \U0001f600"}, headers=auth)
            assert ok.status_code == 202
            await next_of(ws, lambda m: m["type"] == "answer.done")
        assert (await http.get(f"/sessions/{sid}/observers", headers=auth)).status_code == 200
        async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}&after=0") as replay:
            done = await next_of(replay, lambda m: m["type"] == "answer.done")
            assert done["data"]["text"]


def test_an_event_with_a_lone_surrogate_still_encodes() -> None:
    event = Event(type="message", data={"text": "a\ud800b"}, seq=1)
    assert event.to_json().encode("utf-8")
    assert "a\ufffdb" in event.sse_frame().decode("utf-8")


# ----- limits on sessions ----------------------------------------------------------------------


async def test_a_node_refuses_sessions_past_its_cap_with_503_and_retry_after() -> None:
    async with serving(settings_with(max_sessions=2)) as srv, httpx.AsyncClient(base_url=srv.url) as http:
        for _ in range(2):
            assert (await http.post("/sessions", json={})).status_code == 201
        full = await http.post("/sessions", json={})
        assert full.status_code == 503 and full.headers["retry-after"]
        assert full.json()["error"]["code"] == "unavailable"
        assert "limit of 2 sessions" in full.json()["error"]["message"]


async def test_one_client_creating_sessions_in_a_flood_gets_429_with_retry_after() -> None:
    async with serving(settings_with(create_burst=3, create_interval_s=60)) as srv:
        async with httpx.AsyncClient(base_url=srv.url) as http:
            codes = [(await http.post("/sessions", json={})).status_code for _ in range(5)]
            assert codes == [201, 201, 201, 429, 429]
            limited = await http.post("/sessions", json={})
            assert limited.json()["error"]["code"] == "rate_limited"
            assert 1 <= int(limited.headers["retry-after"]) <= 60


def test_the_creation_limiter_forgets_the_oldest_clients_past_its_bound() -> None:
    clock = ManualClock()
    limiter = CreationLimiter(LimitsConfig(create_burst=1, create_interval_s=10), clock=clock, max_clients=3)
    assert limiter.admit("a") is None
    assert limiter.admit("a") == pytest.approx(10)
    for client in ("b", "c", "d"):
        assert limiter.admit(client) is None
    assert limiter.admit("a") is None  # forgotten: a fresh bucket (the bound keeps memory flat)


async def test_an_idle_session_nobody_watches_is_closed_and_a_watched_one_is_not() -> None:
    async with serving(settings_with(idle_timeout_s=0.5)) as srv, httpx.AsyncClient(base_url=srv.url) as http:
        idle = await new_session(srv)
        watched = await new_session(srv)
        async with websockets.connect(f"{watched['ws_url']}?token={watched['owner_token']}"):
            await asyncio.sleep(1.5)
            gone = await http.post(f"/sessions/{idle['session_id']}/messages", json={"text": "hi"},
                                   params={"token": idle["owner_token"]})
            assert gone.status_code == 410 and gone.json()["error"]["code"] == "session_closed"
            alive = await http.post(f"/sessions/{watched['session_id']}/messages", json={"text": "hi"},
                                    params={"token": watched["owner_token"]})
            assert alive.status_code == 202
        async with websockets.connect(f"{idle['ws_url']}?token={idle['owner_token']}&after=0") as replay:
            closed = await next_of(replay, lambda m: m["type"] == "session.closed")
            assert closed["data"]["reason"] == "idle"


# ----- WebSocket edges -------------------------------------------------------------------------


async def test_websocket_edges_get_their_documented_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    async with serving() as srv:
        s = await new_session(srv)
        url = f"{s['ws_url']}?token={s['owner_token']}"
        async with websockets.connect(url) as ws:
            await ws.send('{"type": "message", "text": ' + "[" * 3000 + "]" * 3000 + "}")
            nested = await next_of(ws, is_error("bad_json"))
            assert "nested too deeply" in nested["data"]["message"]
            await ws.send(json.dumps({"type": "ping"}))
            await next_of(ws, lambda m: m["type"] == "pong")  # still open
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"type": "start", "sample_rate": 44_100}))
            refused = await next_of(ws, is_error("unsupported_sample_rate"))
            assert "44100" in refused["data"]["message"]
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4415
        for size in (200_000, 2 * 1024 * 1024):  # over max_message_bytes; over the old 1 MiB transport cap
            async with websockets.connect(url, max_size=None) as ws:
                await ws.send(b"\x00" * size)
                await next_of(ws, is_error("frame_too_large"))
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), 5)
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        async with websockets.connect(url, max_size=None) as ws:  # past what the transport reads
            await ws.send(b"\x00" * (Settings().server.ws_max_frame_bytes + 1))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await next_of(ws, lambda m: False)  # events, until the close
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
            assert "exceeds limit" in closed.value.rcvd.reason or "too big" in closed.value.rcvd.reason.lower()
        await asyncio.sleep(0.2)
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a refused start"


# ----- a closed session ------------------------------------------------------------------------


async def test_after_delete_the_owner_is_told_the_session_is_closed_not_served_elsewhere() -> None:
    async with serving() as srv, httpx.AsyncClient(base_url=srv.url) as http:
        s = await new_session(srv)
        sid, token = s["session_id"], {"token": s["owner_token"]}
        assert (await http.delete(f"/sessions/{sid}", params=token)).status_code == 200
        for response in (
            await http.post(f"/sessions/{sid}/messages", params=token, json={"text": "hello?"}),
            await http.put(f"/sessions/{sid}/profile", params=token, json={"resume": "x"}),
            await http.post(f"/sessions/{sid}/stop", params=token),
            await http.delete(f"/sessions/{sid}", params=token),
        ):
            assert response.status_code == 410, response.text
            assert response.json()["error"]["code"] == "session_closed"


async def test_an_oversized_json_body_is_refused_before_it_is_parsed() -> None:
    async with serving(settings_with(max_body_bytes=100_000)) as srv, httpx.AsyncClient(base_url=srv.url) as http:
        stories = ["a story"] * 50_000  # ~500 KB
        declared = await http.post("/sessions", json={"profile": {"stories": stories}})
        assert declared.status_code == 413 and declared.json()["error"]["code"] == "message_too_large", declared.text

        async def chunked():  # no Content-Length: counted as it comes
            yield b'{"profile": {"stories": ['
            for _ in range(20_000):
                yield b'"a story",'
            yield b'"end"]}}'

        streamed = await http.post("/sessions", content=chunked(), headers={"Content-Type": "application/json"})
        assert streamed.status_code == 413, streamed.text
        too_many = await http.post("/sessions", json={"profile": {"stories": ["x"] * 51}})
        assert too_many.status_code == 400 and "at most 50" in too_many.json()["error"]["message"]


async def test_history_answers_at_once_for_a_session_just_created() -> None:
    settings = Settings()
    settings.store.flush_ms = 60_000  # the writer would hold its batch for a minute
    settings.store.flush_events = 10_000
    async with serving(settings) as srv, httpx.AsyncClient(base_url=srv.url) as http:
        s = await new_session(srv)
        history = await http.get(f"/history/sessions/{s['session_id']}", params={"token": s["owner_token"]})
        assert history.status_code == 200, history.text
        assert history.json()["session"]["session_id"] == s["session_id"]
        unknown = await http.get("/history/sessions/nosuchsession", params={"token": s["owner_token"]})
        assert unknown.status_code == 404


async def test_the_authorization_header_wins_over_the_query_token_on_websockets_too() -> None:
    async with serving() as srv:
        s = await new_session(srv)
        url = f"{s['ws_url']}?token=not-the-token"
        async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {s['owner_token']}"}) as ws:
            ready = await next_of(ws, lambda m: m["type"] == "session.ready")
            assert ready["seq"] == 1


async def test_a_reader_whose_event_cannot_be_sent_is_told_and_closed_not_left_silent(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async with serving() as srv:
        s = await new_session(srv)

        from starlette.websockets import WebSocket

        send_text = WebSocket.send_text

        async def failing_on_answers(self: WebSocket, data: str) -> None:
            if '"type":"answer.delta"' in data:
                raise ValueError("cannot send this event")
            await send_text(self, data)

        async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}") as ws:
            await next_of(ws, lambda m: m["type"] == "session.ready")
            monkeypatch.setattr(WebSocket, "send_text", failing_on_answers)
            async with httpx.AsyncClient(base_url=srv.url) as http:
                await http.post(f"/sessions/{s['session_id']}/messages", json={"text": "Why us?"},
                                params={"token": s["owner_token"]})
            error = await next_of(ws, is_error("internal"))
            assert "could not send an event" in error["data"]["message"]
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011


async def test_an_oversized_upload_is_refused_as_it_arrives_not_after_spooling() -> None:
    async with serving(settings_with(max_body_bytes=100_000)) as srv, httpx.AsyncClient(base_url=srv.url) as http:
        big = await http.post("/profile/extract", files={"file": ("resume.txt", b"x" * 200_000, "text/plain")})
        assert big.status_code == 413 and big.json()["error"]["code"] == "message_too_large"
        small = await http.post("/profile/extract", files={"file": ("resume.txt", b"Staff nurse, ICU.", "text/plain")})
        assert small.status_code == 200 and small.json()["text"] == "Staff nurse, ICU."
