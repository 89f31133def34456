"""The user's own microphone as a second, labelled audio source: transcribed, never answered.

(a) UserVoicePipeline in process with fakes (tone bursts stand for words); (b) ``?source=user``
over a real WebSocket with fake engines; (c) the real VAD and Whisper on a corpus recording.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import numpy as np
import pytest
import websockets

from firstword.config import Settings
from firstword.events import EventType
from firstword.hub.log import EventLog
from firstword.llm.scripted import ScriptedLlm
from firstword.pipeline.copilot import CopilotPipeline
from firstword.pipeline.user_voice import UserVoicePipeline
from firstword.server.app import create_app
from tests.conftest import InLoopServer, corpus_dir
from firstword.testing import BurstStt, InlineExecutor, InstantAnswers, LoudnessVad, silence, tone
from tests.test_server import fake_engines, frames, new_session

ANSWER_EVENTS = {EventType.ANSWER_STARTED, EventType.ANSWER_DELTA, EventType.ANSWER_DONE, EventType.ANSWER_CANCELLED}


# ----- (a) the pipeline with fakes ------------------------------------------------------------


def make_user(parts, settings: Settings | None = None, log: EventLog | None = None):
    log = log or EventLog("u")
    stt = BurstStt(parts)
    pipeline = UserVoicePipeline(
        log, settings or Settings(), vad=LoudnessVad(), stt=stt, stt_executor=InlineExecutor()
    )
    return pipeline, log


async def play(pipeline, audio: np.ndarray, step: int = 320) -> None:
    for i in range(0, len(audio), step):
        pipeline.feed(audio[i : i + step])
        for _ in range(3):
            await asyncio.sleep(0)
    await pipeline.drain()


def of(log: EventLog, kind: str):
    return [e for e in log.events_after(0) if e.type == kind]


async def test_user_speech_gets_labelled_interims_and_one_final_and_nothing_else():
    pipeline, log = make_user([("I led the migration", ".")])
    await play(pipeline, np.concatenate([silence(300), tone(1500), silence(1500)]))
    interims = of(log, EventType.USER_TRANSCRIPT_INTERIM)
    finals = of(log, EventType.USER_TRANSCRIPT_FINAL)
    assert interims, "interims stream while the user talks"
    assert all(e.data["speaker"] == "user" and e.turn is None for e in interims + finals)
    assert {"stable", "unstable", "audio_start_ms", "audio_end_ms", "compute_ms"} <= interims[0].data.keys()
    assert len(finals) == 1
    final = finals[0].data
    assert final["text"] == "I led the migration." and final["forced_cut"] is False
    # The utterance's place in the user's own audio: pre-roll before the tone, tail after it.
    assert 0 <= final["audio_start_ms"] <= 300 and 1800 <= final["audio_end_ms"] <= 2100
    # Only user.transcript.* events: no speech.*, no turns, no answers.
    assert {e.type for e in log.events_after(0)} == {EventType.USER_TRANSCRIPT_INTERIM, EventType.USER_TRANSCRIPT_FINAL}
    await pipeline.aclose()


async def test_a_short_pause_does_not_cut_the_user_but_a_long_one_does():
    # 500 ms: longer than the interviewer's end silence, shorter than the user's (800 ms).
    parts = [("I started there", ","), ("in twenty twenty", "."), ("Then I moved", ".")]
    pipeline, log = make_user(parts)
    await play(pipeline, np.concatenate([tone(700), silence(500), tone(700), silence(1200), tone(600), silence(1200)]))
    texts = [e.data["text"] for e in of(log, EventType.USER_TRANSCRIPT_FINAL)]
    # Two utterances; the fake STT reads each from the start of its script (no prompt carried).
    assert texts == ["I started there, in twenty twenty.", "I started there,"]
    await pipeline.aclose()


async def test_utterances_ended_and_started_in_one_push_keep_their_own_audio():
    pipeline, log = make_user([("Yes", ".")])
    audio = np.concatenate([tone(600), silence(1000), tone(600), silence(1200)])
    pipeline.feed(audio)  # both endpoints fall inside this one push
    await pipeline.drain()
    finals = [e.data for e in of(log, EventType.USER_TRANSCRIPT_FINAL)]
    assert [f["text"] for f in finals] == ["Yes.", "Yes."]
    assert finals[0]["audio_end_ms"] <= finals[1]["audio_start_ms"]
    await pipeline.aclose()


async def test_a_monologue_longer_than_a_segment_is_cut_and_continued():
    settings = Settings()
    settings.stt.max_segment_ms = 2000
    pipeline, log = make_user([("Well I think", ","), ("it went fine", ".")], settings)
    await play(pipeline, np.concatenate([tone(3500), silence(1200)]))
    finals = [e.data for e in of(log, EventType.USER_TRANSCRIPT_FINAL)]
    assert [f["forced_cut"] for f in finals] == [True, False]
    assert finals[1]["text"] == "it went fine."  # continues from the forced piece's text
    assert finals[0]["audio_end_ms"] == finals[1]["audio_start_ms"]
    await pipeline.aclose()


async def test_end_of_audio_finishes_an_open_utterance_and_noise_alone_publishes_nothing():
    pipeline, log = make_user([("Thank you", ".")])
    await play(pipeline, np.concatenate([silence(200), tone(900)]))
    assert of(log, EventType.USER_TRANSCRIPT_FINAL) == []
    await pipeline.end_of_audio()
    assert [e.data["text"] for e in of(log, EventType.USER_TRANSCRIPT_FINAL)] == ["Thank you."]
    await pipeline.aclose()
    pipeline.feed(tone(500))  # after close: ignored, nothing raised

    quiet, quiet_log = make_user([])  # the STT hears no words in it
    await play(quiet, np.concatenate([tone(200), silence(1200)]))
    assert of(quiet_log, EventType.USER_TRANSCRIPT_FINAL) == []
    await quiet.aclose()


async def test_beside_the_interviewer_only_the_interviewer_is_answered():
    log = EventLog("both")
    answers = InstantAnswers()
    interviewer = CopilotPipeline(
        log, Settings(), vad=LoudnessVad(), stt=BurstStt([("Why this job", "?")]), answers=answers,
        stt_executor=InlineExecutor(),
    )
    user, _ = make_user([("Can you repeat the question", "?")], log=log)
    await play(user, np.concatenate([tone(1200), silence(2500)]))
    await interviewer.drain()
    assert not ANSWER_EVENTS & {e.type for e in log.events_after(0)}
    assert answers.questions == []
    await play(interviewer, np.concatenate([tone(1200), silence(2500)]))
    for _ in range(20):
        await asyncio.sleep(0)
    assert answers.questions == ["Why this job?"]
    finals = of(log, EventType.TRANSCRIPT_FINAL) + of(log, EventType.USER_TRANSCRIPT_FINAL)
    assert {(e.type, e.data["speaker"]) for e in finals} == {
        ("transcript.final", "interviewer"), ("user.transcript.final", "user")}
    assert all(e.data["speaker"] == "interviewer" for e in of(log, EventType.TRANSCRIPT_INTERIM))
    await user.aclose()
    await interviewer.aclose()


# ----- (b) ?source=user over a real WebSocket ---------------------------------------------------


@pytest.fixture
async def server():
    llm = ScriptedLlm(reply=["I", " care", "."], interval_s=0.01)
    async with InLoopServer(create_app(Settings(), fake_engines(llm))) as srv:
        srv.llm = llm  # type: ignore[attr-defined]
        yield srv


async def refused(url: str) -> tuple[dict, int]:
    async with websockets.connect(url) as ws:
        error = json.loads(await ws.recv())
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    return error, closed.value.rcvd.code


async def drain_ws(ws, idle_s: float = 0.5) -> list[dict]:
    got: list[dict] = []
    while True:
        try:
            got.append(json.loads(await asyncio.wait_for(ws.recv(), idle_s)))
        except TimeoutError:
            return got


async def test_user_source_is_owner_only_and_a_bad_source_is_refused(server):
    s = await new_session(server)
    async with httpx.AsyncClient(base_url=server.url) as http:
        r = await http.post(f"/sessions/{s['session_id']}/observers", params={"token": s["owner_token"]}, json={})
        grant = r.json()
    error, code = await refused(f"{s['ws_url']}?token={grant['token']}&source=user")
    assert error["data"]["code"] == "read_only" and code == 4403
    error, code = await refused(f"{s['ws_url']}?token={s['owner_token']}&source=speaker")
    assert error["data"]["code"] == "bad_request" and "source" in error["data"]["message"] and code == 4400
    error, code = await refused(f"{s['ws_url']}?token={s['owner_token']}&source=user&sample_rate=8000")
    assert error["data"]["code"] == "unsupported_sample_rate" and code == 4415


async def test_owner_user_audio_is_transcribed_on_the_main_connection_and_never_answered(server):
    s = await new_session(server, prefetch=False)  # idle-time predictions would count as LLM calls
    base = f"{s['ws_url']}?token={s['owner_token']}"
    async with websockets.connect(base) as main, websockets.connect(f"{base}&source=user") as mic:
        for frame in frames(np.concatenate([silence(200), tone(1000)])):
            await mic.send(frame)
        await mic.send(b"\x00" * 641)  # validated like the main connection's frames
        await mic.send(json.dumps({"type": "stop"}))  # answers are the main connection's business
        await mic.send(json.dumps({"type": "end"}))  # plays out silence: the utterance's final
        await mic.send(json.dumps({"type": "ping"}))
        replies = [json.loads(await asyncio.wait_for(mic.recv(), 10)) for _ in range(3)]
        # Nothing of the event log comes down the user connection: only its own errors and pong.
        assert [r["type"] for r in replies] == ["error", "error", "pong"]
        assert [r["data"]["code"] for r in replies[:2]] == ["odd_length", "unknown_message"]
        events = await drain_ws(main)
    finals = [e for e in events if e["type"] == "user.transcript.final"]
    assert len(finals) == 1 and finals[0]["turn"] is None
    assert finals[0]["data"]["text"] == "Why do you want this job?" and finals[0]["data"]["speaker"] == "user"
    assert not {e["type"] for e in events} & {*ANSWER_EVENTS, "speech.started", "transcript.final"}
    assert server.llm.calls == []


async def test_the_owners_newer_user_audio_connection_takes_over_and_the_older_is_closed(server):
    s = await new_session(server)
    url = f"{s['ws_url']}?token={s['owner_token']}&source=user"
    async with websockets.connect(url) as first, websockets.connect(url) as second:
        await first.send(frames(tone(100))[0])
        await first.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(first.recv(), 5))["type"] == "pong"
        await second.send(frames(tone(100))[0])
        await second.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(second.recv(), 5))["type"] == "pong", "the newer one is heard"
        error = json.loads(await asyncio.wait_for(first.recv(), 5))
        assert error["data"]["code"] == "replaced"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(first.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001


# ----- (c) the real VAD and Whisper on a recording ----------------------------------------------


@pytest.mark.engine
async def test_a_real_recording_on_the_user_source_is_transcribed_and_not_answered():
    from firstword.audio.recording import load_recording
    from firstword.endpointing.silero import SileroVad
    from firstword.engines import Engines
    from firstword.stt.textnorm import wer
    from firstword.stt.whisper_ct2 import WhisperCt2Engine

    corpus = corpus_dir()
    name = "whisper_jfk.wav"
    rows = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text().splitlines() if line.strip()]
    manifest = {row["file"]: row for row in rows}
    if name not in manifest or not (corpus / name).is_file():
        pytest.skip(f"{name} is not in the speech corpus at {corpus}: real-recording test skipped")
    reference = manifest[name]["reference"]
    audio = load_recording(corpus / name)
    settings = Settings()
    settings.limits.audio_speed = 0  # the recording is sent as fast as it goes: no real-time pace
    # Real VAD and Whisper; a scripted LLM, so that any answer started would show at once and
    # no generation competes with Whisper for the cores.
    llm = ScriptedLlm(reply=["Should", " not", " happen", "."])
    engines = Engines(vad_factory=SileroVad, stt=WhisperCt2Engine(settings.stt), llm=llm)
    async with InLoopServer(create_app(settings, engines)) as srv:
        # Prefetch off: it answers predicted questions in idle time by design, and this test
        # counts every LLM call as an answer to the user's own words.
        s = await new_session(srv, prefetch=False)
        base = f"{s['ws_url']}?token={s['owner_token']}"
        async with websockets.connect(base) as main, websockets.connect(f"{base}&source=user") as mic:
            for frame in frames(audio):
                await mic.send(frame)
            await mic.send(json.dumps({"type": "end"}))
            await mic.send(json.dumps({"type": "ping"}))
            assert json.loads(await asyncio.wait_for(mic.recv(), 120))["type"] == "pong"
            events = await drain_ws(main, idle_s=1.0)
    finals = [e["data"] for e in events if e["type"] == "user.transcript.final"]
    assert finals and all(f["speaker"] == "user" for f in finals)
    said = " ".join(f["text"] for f in finals)
    assert wer(reference, said) < 0.3, said
    assert not {e["type"] for e in events} & {*ANSWER_EVENTS, "transcript.final"}
    assert llm.calls == []


def test_the_store_keeps_user_events_in_the_log_but_not_among_the_turns_transcripts():
    from firstword.events import Event
    from firstword.store.projection import AppendEvent, ProjectionState, project

    data = {"text": "I led it.", "speaker": "user", "audio_start_ms": 0.0, "audio_end_ms": 900.0,
            "compute_ms": 20.0, "forced_cut": False}
    events = [Event(EventType.USER_TRANSCRIPT_INTERIM, {**data, "stable": "I", "unstable": "led it."}, None, 1, 1.0),
              Event(EventType.USER_TRANSCRIPT_FINAL, data, None, 2, 2.0)]
    plan, _ = project([AppendEvent("s", e) for e in events], ProjectionState())
    assert [row["type"] for row in plan.events] == ["user.transcript.interim", "user.transcript.final"]
    assert plan.transcripts == [] and plan.turns == {} and plan.answers == {}
