"""Practice mode over the real server and WebSocket, on fake speech engines (a tone is a word,
``firstword.testing``) and a fake voice: the interview's order of events, follow-ups, feedback
and report; Nova's audio only to the connection that asked for it, after its ``voice.started``;
a spoken reply ended by the interviewer's wait or the "done" key; a barge-in; the defined
behaviour for silence, a ten-minute answer, a dropped connection, a page that cannot play audio,
an empty or foreign job description. The real engines run in tests/test_practice_e2e.py and the
browser in tests/test_practice_page.py."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import numpy as np
import pytest
import websockets

from firstword.config import Settings
from firstword.engines import Engines
from firstword.server.app import create_app
from firstword.llm.scripted import ScriptedLlm
from firstword.practice import script
from firstword.testing import BurstStt, LoudnessVad, silence, tone
from tests.conftest import InLoopServer
from tests.test_server import frames

RATE = 16_000
JD = """Senior Backend Engineer, Acme Health

Requirements:
- 5+ years building services in Python
- Experience leading incident response and on-call
- Strong written and verbal communication with product teams
"""
STAR = ("At Northwind our checkout API was timing out every evening, and I was asked to fix it. "
        "I profiled the service, added a cache and rewrote the slowest query myself. "
        "As a result p95 latency fell from 900 ms to 120 ms and complaints stopped.")


class FakeVoice:
    """Each sentence: 40 ms of a quiet tone per word, at once (paced by VoiceOut)."""

    name = "fake-voice"
    sample_rate = RATE

    async def load(self) -> None:
        return None

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        t = np.arange(RATE * 40 // 1000 * len(text.split())) / RATE
        yield (np.sin(2 * np.pi * 220 * t) * 3000).astype("<i2").tobytes()

    async def aclose(self) -> None:
        return None


def engines(*, voice: bool, parts: list[tuple[str, str]] | None = None) -> Engines:
    return Engines(
        vad_factory=LoudnessVad,
        stt=BurstStt(parts or [(STAR.rstrip("."), ".")] * 20),
        llm=ScriptedLlm(reply=["Fine", "."], interval_s=0.01),
        tts=FakeVoice() if voice else None,
    )


def settings(**practice: Any) -> Settings:
    return Settings(practice={"voice_lead_ms": 60.0, **practice})


async def create(srv: InLoopServer, profile: dict[str, Any] | None = None) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=srv.url) as http:
        body: dict[str, Any] = {"persona": "nova"}
        if profile is not None:
            body["profile"] = profile
        response = await http.post("/sessions", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["mode"] == "practice"
    return created


class Reader:
    """One WebSocket's events and binary frames, in arrival order."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.items: list[tuple[str, Any]] = []  # ("event", dict) | ("audio", bytes)

    @property
    def events(self) -> list[dict[str, Any]]:
        return [item for kind, item in self.items if kind == "event"]

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]

    @property
    def audio(self) -> list[bytes]:
        return [item for kind, item in self.items if kind == "audio"]

    async def until(self, predicate: Any, timeout: float = 10.0) -> None:
        async def loop() -> None:
            if predicate(self):
                return
            async for message in self.ws:
                if isinstance(message, bytes):
                    self.items.append(("audio", message))
                else:
                    self.items.append(("event", json.loads(message)))
                if predicate(self):
                    return

        await asyncio.wait_for(loop(), timeout)

    async def count(self, kind: str, n: int, timeout: float = 10.0) -> None:
        await self.until(lambda r: len(r.of(kind)) >= n, timeout)


async def send(ws: Any, **message: Any) -> None:
    await ws.send(json.dumps(message))


async def test_a_typed_interview_runs_from_plan_to_report_with_follow_ups_and_feedback() -> None:
    async with InLoopServer(create_app(settings(), engines(voice=False))) as srv:
        s = await create(srv, {"job_description": JD})
        async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}") as ws:
            r = Reader(ws)
            await send(ws, type="practice.start")
            await r.count("practice.listening", 1)
            plan = r.of("practice.plan")[0]["data"]
            kinds = [q["kind"] for q in plan["questions"]]
            assert kinds[0] == "opener" and kinds[-1] == "closing" and 2 <= kinds.count("behavioural") <= 3
            first = r.of("practice.question")[0]["data"]
            assert first["question_id"] == plan["questions"][0]["id"] and not first["followup"]
            said = "".join(e["data"]["text"] for e in r.of("answer.delta"))
            assert said.startswith("Hi, I'm Nova") and first["text"] in said
            assert r.of("answer.started")[0]["data"]["persona"] == "nova"
            # Answer every question with a short reply: follow-ups come (at most two each), then
            # the next planned question, until the report.
            replies = 0
            while not r.of("practice.report") and replies < 40:
                listening = len(r.of("practice.listening"))
                await send(ws, type="message", text="I worked on it with the team." if replies % 2 else STAR)
                replies += 1
                await r.until(lambda r: r.of("practice.report") or len(r.of("practice.listening")) > listening)
            assert r.of("practice.report"), "the interview never ended"
    questions = [e["data"] for e in r.of("practice.question")]
    by_planned: dict[str, int] = {}
    for q in questions:
        if q["followup"]:
            planned = q["question_id"].rsplit("-f", 1)[0]
            by_planned[planned] = by_planned.get(planned, 0) + 1
            assert q["reason"]
    assert by_planned and max(by_planned.values()) <= 2
    ended = r.of("practice.answer_ended")
    assert all(e["data"]["by"] == "typed" for e in ended) and len(ended) == replies
    feedback = r.of("practice.feedback")
    assert len(feedback) == replies
    assert {"words_per_minute", "star", "suggestion"} <= set(feedback[0]["data"]["feedback"])
    report = r.of("practice.report")[0]["data"]
    answers_text = " ".join(e["data"]["text"] for e in r.of("message"))
    finals = {e["seq"]: e["data"]["text"] for e in r.of("message")}
    for finding in report["report"]["competencies"]:
        for point in finding["points"]:
            assert point["quote"] in answers_text
            assert any(point["quote"] in finals[seq] or point["quote"] in answers_text for seq in point["seqs"])
    assert report["markdown"].startswith("# Practice interview report")


async def test_nova_s_voice_goes_only_to_the_connection_that_asked_after_its_voice_started() -> None:
    async with InLoopServer(create_app(settings(), engines(voice=True))) as srv:
        s = await create(srv, {"job_description": JD})
        base = s["ws_url"]
        async with httpx.AsyncClient(base_url=srv.url) as http:
            grant = (await http.post(f"/sessions/{s['session_id']}/observers", json={"label": "coach"},
                                     headers={"Authorization": f"Bearer {s['owner_token']}"})).json()
        async with websockets.connect(f"{base}?token={s['owner_token']}&voice=1") as ws, \
                websockets.connect(f"{base}?token={grant['token']}&voice=1") as watcher, \
                websockets.connect(f"{base}?token={s['owner_token']}") as second_tab:
            owner, observer, tab = Reader(ws), Reader(watcher), Reader(second_tab)
            await send(ws, type="practice.start")
            await owner.count("practice.listening", 1)
            await observer.count("practice.listening", 1)
            await tab.count("practice.listening", 1)
            assert not observer.audio and not tab.audio  # audio never goes to anyone else
            started = owner.of("voice.started")[0]
            ended = owner.of("voice.ended")[0]
            assert started["data"]["sample_rate"] == RATE and ended["data"]["reason"] == "done"
            # Every frame after its voice.started, before its voice.ended; nothing lost.
            positions = [i for i, (kind, item) in enumerate(owner.items) if kind == "audio"]
            start_at = owner.items.index(("event", started))
            end_at = owner.items.index(("event", ended))
            assert positions and start_at < positions[0] and positions[-1] < end_at
            assert sum(len(b) for b in owner.audio) / 2 / RATE * 1000 == pytest.approx(ended["data"]["audio_ms"], abs=1)
            # The text follows the voice: her words are shown, then listening.
            assert owner.of("answer.done")[0]["data"]["text"] == started["data"]["text"]
            await send(ws, type="voice.played", utterance_id=started["data"]["utterance_id"], played_ms=123.0)
            await send(ws, type="voice.played", utterance_id="x", played_ms=-1)
            await owner.until(lambda r: any(e["type"] == "error" for e in r.events))
            assert [e for e in owner.events if e["type"] == "error"][0]["data"]["code"] == "bad_message"


async def test_a_spoken_reply_ends_after_the_wait_and_the_done_key_ends_one_at_once() -> None:
    async with InLoopServer(create_app(settings(), engines(voice=False))) as srv:
        s = await create(srv, {"job_description": JD})
        async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}") as ws:
            r = Reader(ws)
            await send(ws, type="practice.start")
            await r.count("practice.listening", 1)
            # A reply ("... complaints stopped."), then silence: the interviewer's wait ends it.
            for frame in frames(np.concatenate([silence(200), tone(1500), silence(3500)])):
                await ws.send(frame)
            await r.count("practice.answer_ended", 1)
            ended = r.of("practice.answer_ended")[0]["data"]
            assert ended["by"] == "pause" and ended["wait_ms"] is not None and ended["text"].endswith("stopped.")
            await r.count("practice.listening", 2)
            # The next reply, then "done" while the voice goes on: ended now, not after a wait.
            for frame in frames(np.concatenate([silence(100), tone(800)])):
                await ws.send(frame)
            await asyncio.sleep(0.1)
            await send(ws, type="practice.done")
            await r.count("practice.answer_ended", 2)
            assert r.of("practice.answer_ended")[1]["data"]["by"] == "done_key"


async def test_silence_gets_one_check_in_then_a_pause_and_an_answer_resumes() -> None:
    config = settings(checkin_after_silence_s=0.3, pause_after_silence_s=0.8, watch_interval_s=0.05)
    async with InLoopServer(create_app(config, engines(voice=False))) as srv:
        s = await create(srv, {"job_description": JD})
        async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}") as ws:
            r = Reader(ws)
            await send(ws, type="practice.start")
            await r.count("practice.paused", 1, timeout=5)
            said = [e["data"]["text"] for e in r.of("answer.done")]
            assert sum(script.CHECK_IN in t for t in said) == 1  # checked in once
            await asyncio.sleep(0.5)
            assert len(r.of("practice.paused")) == 1
            assert sum(script.CHECK_IN in e["data"]["text"] for e in r.of("answer.done")) == 1
            await send(ws, type="message", text=STAR)
            await r.count("practice.resumed", 1)
            await r.count("practice.feedback", 1)


async def test_a_ten_minute_answer_is_ended_politely_and_the_interview_goes_on() -> None:
    config = settings(max_answer_s=1.0, watch_interval_s=0.05)
    long_speech = [("and then we kept going", "")] * 400
    async with InLoopServer(create_app(config, engines(voice=False, parts=long_speech))) as srv:
        s = await create(srv, {"job_description": JD})
        async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}") as ws:
            r = Reader(ws)
            await send(ws, type="practice.start")
            await r.count("practice.listening", 1)
            for frame in frames(tone(2500)):
                await ws.send(frame)
                await asyncio.sleep(0.018)  # real time, or the server drops it
            await r.count("practice.answer_ended", 1, timeout=10)
            assert r.of("practice.answer_ended")[0]["data"]["by"] == "timeout"
            await r.until(lambda r: any("Let me stop you there" in e["data"]["text"] for e in r.of("answer.done")))
            await r.count("practice.listening", 2)


async def test_a_barge_in_stops_nova_and_her_answer_is_cancelled_with_what_she_said() -> None:
    async with InLoopServer(create_app(settings(voice_lead_ms=40.0), engines(voice=True))) as srv:
        s = await create(srv, {"job_description": JD})
        async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}&voice=1") as ws:
            r = Reader(ws)
            await send(ws, type="practice.start")
            await r.count("voice.started", 1)
            await r.until(lambda r: len(r.audio) > 3)
            # The candidate talks over her: a second of loud noise-free voice (the fake VAD's
            # speech), at real time.
            for frame in frames(tone(1200, freq=440.0)):
                await ws.send(frame)
                await asyncio.sleep(0.018)
            await r.count("voice.ended", 1)
            ended = r.of("voice.ended")[0]["data"]
            assert ended["reason"] == "barge_in"
            cancelled = r.of("answer.cancelled")[0]["data"]
            assert cancelled["reason"] == "barge_in"
            assert r.of("practice.listening")


async def test_a_dropped_connection_mid_question_resumes_without_repeating_or_losing_text() -> None:
    async with InLoopServer(create_app(settings(voice_lead_ms=40.0), engines(voice=True))) as srv:
        s = await create(srv, {"job_description": JD})
        url = f"{s['ws_url']}?token={s['owner_token']}&voice=1"
        async with websockets.connect(url) as ws:
            r = Reader(ws)
            await send(ws, type="practice.start")
            await r.count("voice.started", 1)
            await r.until(lambda r: len(r.audio) > 2)
        # The server notices the close (a new connection that comes first simply takes over the
        # voice where it is).
        await asyncio.sleep(0.3)
        last = r.events[-1]["seq"]
        async with websockets.connect(f"{url}&after={last}") as ws:
            again = Reader(ws)
            await again.count("practice.listening", 1)
            # Her cut utterance ends (stopped), and what was not heard is said again.
            await again.until(lambda r: r.of("voice.started") and len(r.of("voice.ended")) >= 2, timeout=10)
    stopped = [e for e in r.events + again.events if e["type"] == "voice.ended"][0]["data"]
    assert stopped["reason"] == "stopped"
    # The text of her first turn, shown once, is whole; what was not heard is said again.
    texts = [e["data"]["text"] for e in r.events + again.events if e["type"] == "answer.delta"]
    assert len(texts) == len(set(texts))
    question = r.of("practice.question")[0]["data"]["text"]
    assert question in "".join(texts)
    replayed = again.of("voice.started")[0]["data"]
    assert replayed["answer_id"] is None and question.split(".")[0] in replayed["text"]
    seqs = [e["seq"] for e in again.events]
    assert seqs[0] == last + 1 and seqs == sorted(seqs)


async def test_a_page_that_cannot_play_audio_gets_text_only() -> None:
    async with InLoopServer(create_app(settings(), engines(voice=True))) as srv:
        s = await create(srv, {"job_description": JD})
        async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}&voice=1") as ws:
            r = Reader(ws)
            await send(ws, type="voice.unavailable", reason="no AudioContext")
            await send(ws, type="practice.start")
            await r.count("practice.listening", 1)
            assert not r.audio and not r.of("voice.started")
            assert r.of("answer.done")[0]["data"]["text"].startswith("Hi, I'm Nova")


@pytest.mark.parametrize(("jd", "notice"), [
    ("", "empty"),
    ("Buscamos una enfermera con experiencia en cuidados intensivos y trabajo en equipo. "
     "Se requiere titulación oficial y disponibilidad para turnos de noche.", "English"),
])
async def test_an_empty_or_foreign_job_description_gets_general_questions_and_says_so(jd: str, notice: str) -> None:
    async with InLoopServer(create_app(settings(), engines(voice=False))) as srv:
        s = await create(srv, {"job_description": jd})
        async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}") as ws:
            r = Reader(ws)
            await send(ws, type="practice.start")
            await r.count("practice.listening", 1)
    plan = r.of("practice.plan")[0]["data"]
    assert any(notice in n for n in plan["notices"]), plan["notices"]
    assert all(q["source"] is None for q in plan["questions"])


async def test_the_report_route_and_practice_controls_elsewhere() -> None:
    async with InLoopServer(create_app(settings(), engines(voice=False))) as srv:
        s = await create(srv, {"job_description": JD})
        auth = {"Authorization": f"Bearer {s['owner_token']}"}
        async with httpx.AsyncClient(base_url=srv.url) as http:
            path = f"/sessions/{s['session_id']}/practice/report"
            empty = await http.get(path, params={"format": "json"}, headers=auth)
            assert empty.status_code == 200 and empty.json()["judged"] is False
            assert (await http.get(path)).status_code == 401
            copilot = (await http.post("/sessions", json={})).json()
            assert copilot["mode"] == "copilot"
            other = await http.get(f"/sessions/{copilot['session_id']}/practice/report",
                                   headers={"Authorization": f"Bearer {copilot['owner_token']}"})
            assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
            md = await http.get(path, params={"format": "markdown"}, headers=auth)
            assert md.headers["content-type"].startswith("text/markdown")
        async with websockets.connect(f"{copilot['ws_url']}?token={copilot['owner_token']}") as ws:
            r = Reader(ws)
            await send(ws, type="practice.start")
            await r.until(lambda r: any(e["type"] == "error" for e in r.events))
            assert [e for e in r.events if e["type"] == "error"][0]["data"]["code"] == "not_practice"
