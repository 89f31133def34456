"""The server's transports over real loopback sockets, with fake engines (protocol and faults)."""

from __future__ import annotations

import asyncio
import json

import httpx
import numpy as np
import pytest
import websockets

from firstword.audio.format import float32_to_pcm16
from firstword.config import Settings
from firstword.engines import Engines
from firstword.llm.scripted import ScriptedLlm
from firstword.server.app import create_app
from tests.conftest import InLoopServer
from firstword.testing import BurstStt, LoudnessVad, silence, tone


def fake_engines(llm: ScriptedLlm | None = None) -> Engines:
    return Engines(
        vad_factory=LoudnessVad,
        stt=BurstStt([("Why do you want this job", "?"), ("And when can you start", "?")]),
        llm=llm or ScriptedLlm(reply=["I", " care", " about", " patients", "."], interval_s=0.01),
    )


@pytest.fixture
async def server():
    settings = Settings()
    llm = ScriptedLlm(reply=["I", " care", " about", " patients", "."], interval_s=0.01)
    async with InLoopServer(create_app(settings, fake_engines(llm))) as srv:
        srv.llm = llm  # type: ignore[attr-defined]
        yield srv


async def new_session(srv: InLoopServer, **body) -> dict:
    async with httpx.AsyncClient(base_url=srv.url) as http:
        response = await http.post("/sessions", json=body)
        assert response.status_code == 201, response.text
        return response.json()


def frames(audio: np.ndarray) -> list[bytes]:
    pcm = float32_to_pcm16(audio)
    return [pcm[i : i + 640] for i in range(0, len(pcm), 640)]


async def collect_until(ws, predicate, timeout: float = 10.0) -> list[dict]:
    got: list[dict] = []

    async def loop() -> None:
        async for message in ws:
            event = json.loads(message)
            got.append(event)
            if predicate(event, got):
                return

    await asyncio.wait_for(loop(), timeout)
    return got


async def test_a_spoken_question_is_answered_over_websocket_and_sse_sees_the_same_events(server):
    s = await new_session(server)
    async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}") as ws:
        for frame in frames(np.concatenate([silence(200), tone(1200), silence(2600)])):
            await ws.send(frame)
        events = await collect_until(ws, lambda e, got: {"turn.latency", "answer.done"} <= {g["type"] for g in got})
    kinds = [e["type"] for e in events]
    assert kinds[0] == "session.ready"
    for kind in ("speech.started", "speech.ended", "transcript.final", "answer.started", "answer.delta", "turn.latency"):
        assert kind in kinds
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(1, len(seqs) + 1))  # gap-free, in order
    answer = "".join(e["data"]["text"] for e in events if e["type"] == "answer.delta")
    # "Why do you want this job?": the person's own note first, then the model's sentence.
    assert answer.startswith("Mission (patient safety) and real-time systems") and answer.endswith("I care about patients.")
    # SSE replays the same log with id: = seq.
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        async with http.stream("GET", f"/sessions/{s['session_id']}/events",
                               params={"token": s["owner_token"]}) as response:
            assert response.headers["x-accel-buffering"] == "no"
            ids = []
            async for line in response.aiter_lines():
                if line.startswith("id:"):
                    ids.append(int(line[3:]))
                    if ids[-1] == seqs[-1]:
                        break
    assert ids[: len(seqs)] == seqs


async def test_sse_resumes_from_last_event_id(server):
    s = await new_session(server)
    async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}") as ws:
        for frame in frames(np.concatenate([tone(800), silence(2600)])):
            await ws.send(frame)
        events = await collect_until(ws, lambda e, _: e["type"] == "turn.latency")
    middle = events[len(events) // 2]["seq"]
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        async with http.stream("GET", f"/sessions/{s['session_id']}/events",
                               headers={"Last-Event-ID": str(middle), "Authorization": f"Bearer {s['owner_token']}"}) as r:
            async for line in r.aiter_lines():
                if line.startswith("id:"):
                    assert int(line[3:]) == middle + 1
                    break


async def test_auth_and_unknown_session_get_clear_errors(server):
    s = await new_session(server)
    async with httpx.AsyncClient(base_url=server.url) as http:
        missing = await http.get(f"/sessions/{s['session_id']}")
        assert missing.status_code == 401 and "missing session token" in missing.json()["error"]["message"]
        wrong = await http.get(f"/sessions/{s['session_id']}", params={"token": "nope"})
        assert wrong.status_code == 403
        unknown = await http.get("/sessions/doesnotexist", params={"token": "x"})
        assert unknown.status_code == 404 and "unknown session" in unknown.json()["error"]["message"]
        bad_profile = await http.post("/sessions", json={"profile": {"salary": 1}})
        assert bad_profile.status_code == 400
        bad_persona = await http.post("/sessions", json={"persona": "pirate"})
        assert bad_persona.status_code == 400 and "copilot" in bad_persona.json()["error"]["message"]
    for url, code in ((f"{s['ws_url']}?token=wrong", 4403), (f"{s['ws_url']}", 4401),
                      (f"{server.ws_url}/sessions/nope/ws?token=x", 4404),
                      (f"{s['ws_url']}?token={s['owner_token']}&sample_rate=44100", 4415)):
        async with websockets.connect(url) as ws:
            error = json.loads(await ws.recv())
            assert error["type"] == "error" and error["data"]["message"]
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd.code == code


async def test_bad_frames_get_errors_and_the_session_carries_on(server):
    s = await new_session(server)
    async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}") as ws:
        await collect_until(ws, lambda e, _: e["type"] == "session.ready")
        await ws.send(b"\x00" * 641)  # odd length
        await ws.send(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 100)  # a WAV file, not PCM
        await ws.send("{not json")
        await ws.send(json.dumps({"type": "dance"}))
        await ws.send(json.dumps({"type": "start", "sample_rate": 8000}))
        errors = await collect_until(ws, lambda e, got: len(got) == 5)
        assert [e["data"]["code"] for e in errors] == [
            "odd_length", "not_pcm", "bad_json", "unknown_message", "unsupported_sample_rate"]
        assert all(e["seq"] is None for e in errors)
    # A bad start closed that socket; a new one on the same session still works end to end.
    async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}&after=1") as ws:
        for frame in frames(np.concatenate([tone(800), silence(2600)])):
            await ws.send(frame)
        events = await collect_until(ws, lambda e, _: e["type"] == "answer.done")
        assert events[0]["seq"] == 2  # resumed after seq 1, nothing doubled


async def test_oversized_message_is_refused_with_1009(server):
    s = await new_session(server)
    async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}", max_size=None) as ws:
        await ws.send(b"\x00\x01" * 40_000)
        error = None
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                message = json.loads(await ws.recv())
                if message["type"] == "error":
                    error = message
        assert error is not None and error["data"]["code"] == "frame_too_large"
        assert closed.value.rcvd.code == 1009


def quick_grace() -> Settings:
    settings = Settings()
    settings.server.disconnect_grace_s = 0.3
    return settings


async def test_client_disconnect_mid_answer_cancels_the_model_call_once_nobody_watches():
    slow = ScriptedLlm(reply=["word "] * 200, interval_s=0.05)
    async with InLoopServer(create_app(quick_grace(), fake_engines(slow))) as srv:
        s = await new_session(srv)
        async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}") as ws:
            for frame in frames(np.concatenate([tone(800), silence(700)])):
                await ws.send(frame)
            await collect_until(ws, lambda e, _: e["type"] == "answer.delta")
        for _ in range(100):
            if slow.cancelled:
                break
            await asyncio.sleep(0.02)
        assert slow.cancelled == 1 and slow.active == 0


async def test_owner_dropping_mid_answer_cancels_nothing_an_observer_still_watches():
    slow = ScriptedLlm(reply=["word "] * 30, interval_s=0.05)
    async with InLoopServer(create_app(quick_grace(), fake_engines(slow))) as srv:
        s = await new_session(srv, persona="technical_advisor")  # the model writes all of it
        async with httpx.AsyncClient(base_url=srv.url) as http:
            grant = (await http.post(f"/sessions/{s['session_id']}/observers",
                                     params={"token": s["owner_token"]}, json={"label": "coach"})).json()
        async with websockets.connect(f"{s['ws_url']}?token={grant['token']}") as watcher:
            async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}") as ws:
                for frame in frames(np.concatenate([tone(800), silence(700)])):
                    await ws.send(frame)
                await collect_until(ws, lambda e, _: e["type"] == "answer.delta")
            # The owner's phone is in a lift: the coach still gets the whole answer, once.
            events = await collect_until(watcher, lambda e, _: e["type"] == "answer.done")
        seqs = [e["seq"] for e in events if e["seq"] is not None]
        assert seqs == list(range(1, len(seqs) + 1))
        done = next(e for e in events if e["type"] == "answer.done")
        assert done["data"]["text"] == ("word " * 30).strip()
        assert slow.cancelled == 0 and slow.completed == 1


async def read_sse(http: httpx.AsyncClient, s: dict, until: str) -> tuple[list[dict], str]:
    events: list[dict] = []
    async with http.stream("GET", f"/sessions/{s['session_id']}/events", params={"token": s["owner_token"]}, timeout=10) as r:
        async for line in r.aiter_lines():
            if line.startswith("data:"):
                events.append(json.loads(line[5:]))
                if events[-1]["type"] == until:
                    break
    return events, ""


async def test_profile_update_and_stop(server):
    s = await new_session(server, use_sample_profile=False)
    async with httpx.AsyncClient(base_url=server.url) as http:
        r = await http.put(f"/sessions/{s['session_id']}/profile", params={"token": s["owner_token"]},
                           json={"resume": "Ten years of Go.", "stories": ["Shipped a thing."]})
        assert r.status_code == 200
        info = (await http.get(f"/sessions/{s['session_id']}", params={"token": s["owner_token"]})).json()
        assert info["profile"]["resume"] == "Ten years of Go."
        # The new profile is what answers are grounded in from now on.
        await http.post(f"/sessions/{s['session_id']}/messages", params={"token": s["owner_token"]},
                        json={"text": "Tell me about yourself."})
        events, _ = await read_sse(http, s, "answer.done")
        done = next(e for e in events if e["type"] == "answer.done")
        assert done["data"]["text"].startswith("I have ten years of Go.")
        r = await http.post(f"/sessions/{s['session_id']}/profile/resume", params={"token": s["owner_token"]},
                            files={"file": ("cv.txt", b"Staff engineer, 12 years", "text/plain")})
        assert r.status_code == 200
        assert (await http.post(f"/sessions/{s['session_id']}/stop", params={"token": s["owner_token"]})).status_code == 200
