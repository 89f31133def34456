"""Turn-taking on awkward input, with the real engines (Silero VAD, Whisper tiny.en) and speech
synthesized by espeak-ng; the answers are scripted. Each case has a defined behaviour:

- "um" and a 2-s pause: "um" is never answered; the question that follows is, whole;
- a list read with long pauses: the turn is not called over inside the list (after a list cue
  the wait is ``hesitation_ms``, and after one pause the speaker's own pauses set it);
- a question asked twice in a row: one answer, never taken back;
- a keyboard and a cough after the question: the shown answer stands;
- two people talking over each other: one turn, answered once both stop.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from firstword.audio.format import SAMPLE_RATE
from firstword.audio.recording import load_recording
from firstword.config import Settings
from firstword.events import EventType
from firstword.hub.log import EventLog
from firstword.pipeline.copilot import CopilotPipeline
from firstword.testing import InlineExecutor, InstantAnswers

pytestmark = [
    pytest.mark.engine,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (make espeak)"),
]

QUESTION = "Why do you want to leave your current job?"


def say(text: str, tmp: Path, voice: str = "en-us", wpm: int = 165) -> np.ndarray:
    path = tmp / "say.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(path), text], check=True, capture_output=True)
    audio = load_recording(path)
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    return audio[loud[0] : loud[-1] + 1]


def quiet(ms: int) -> np.ndarray:
    # A faint floor, as a real microphone has, rather than digital zero.
    rng = np.random.default_rng(ms)
    return (rng.standard_normal(SAMPLE_RATE * ms // 1000) * 10 ** (-70 / 20)).astype(np.float32)


def keyboard(ms: int, seed: int = 3) -> np.ndarray:
    """Key clicks: 5-ms broadband ticks every ~120 ms."""
    rng = np.random.default_rng(seed)
    out = quiet(ms)
    for start in range(0, len(out) - 80, int(0.12 * SAMPLE_RATE)):
        out[start : start + 80] += (rng.standard_normal(80) * 0.2 * np.exp(-np.arange(80) / 15)).astype(np.float32)
    return out


def cough(ms: int = 300, seed: int = 5) -> np.ndarray:
    from firstword.bench.barge_in import cough as burst

    return burst(ms, seed, -18.0)


async def run(audio: np.ndarray, settings: Settings | None = None):
    from firstword.endpointing.silero import SileroVad
    from firstword.stt.whisper_ct2 import WhisperCt2Engine

    settings = settings or Settings()
    log = EventLog("t")
    answers = InstantAnswers()
    stt = WhisperCt2Engine(settings.stt)
    pipeline = CopilotPipeline(log, settings, vad=SileroVad(), stt=stt, answers=answers, stt_executor=InlineExecutor())
    audio = np.concatenate([quiet(300), audio, quiet(2600)])
    try:
        for i in range(0, len(audio), 320):
            pipeline.feed(audio[i : i + 320])
            await asyncio.sleep(0)
        await pipeline.drain()
        for _ in range(20):
            await asyncio.sleep(0)
    finally:
        await pipeline.aclose()
        stt.close()
    return log, answers


def of(log: EventLog, kind: str) -> list:
    return [e for e in log.events_after(0) if e.type == kind]


def shown_then_taken_back(log: EventLog) -> int:
    return sum(1 for e in of(log, EventType.ANSWER_CANCELLED) if e.data["reason"] in ("speaker_continued", "transcript_changed"))


async def test_um_and_a_two_second_pause_is_not_answered_and_what_follows_is(tmp_path: Path) -> None:
    audio = np.concatenate([say("So, um,", tmp_path), quiet(2000), say(QUESTION, tmp_path)])
    log, answers = await run(audio)
    asked = [e.data["question"] for e in of(log, EventType.ANSWER_STARTED)]
    assert asked, "the question after the pause was answered"
    assert all("leave" in q.lower() for q in asked), asked  # nothing answered "um" alone
    assert "current job" in asked[-1].lower()


async def test_a_list_read_with_long_pauses_is_one_turn(tmp_path: Path) -> None:
    pieces = ["There are three things I want to hear about: first, the design,", "second, the tests,",
              "and third, how you would roll it out."]
    audio = np.concatenate([part for piece in pieces for part in (say(piece, tmp_path), quiet(900))][:-1])
    log, answers = await run(audio)
    assert len(of(log, EventType.TURN_LATENCY)) == 1
    assert shown_then_taken_back(log) == 0
    kept = of(log, EventType.ANSWER_STARTED)[-1].data["question"].lower()
    assert "design" in kept and "roll it out" in kept


async def test_a_question_asked_twice_gets_one_answer_that_stands(tmp_path: Path) -> None:
    once = say(QUESTION, tmp_path)
    log, answers = await run(np.concatenate([once, quiet(700), once]))
    assert len(of(log, EventType.ANSWER_STARTED)) == 1
    assert of(log, EventType.ANSWER_CANCELLED) == []
    assert len(of(log, EventType.TURN_LATENCY)) == 1


async def test_a_keyboard_and_a_cough_after_the_question_take_nothing_back(tmp_path: Path) -> None:
    audio = np.concatenate([say(QUESTION, tmp_path), quiet(500), keyboard(800), quiet(300), cough(), quiet(200)])
    log, answers = await run(audio)
    assert len(of(log, EventType.ANSWER_STARTED)) == 1
    assert of(log, EventType.ANSWER_CANCELLED) == []
    assert "leave" in of(log, EventType.ANSWER_STARTED)[0].data["question"].lower()


async def test_two_people_talking_over_each_other_is_one_turn_answered_when_both_stop(tmp_path: Path) -> None:
    a = say(QUESTION, tmp_path, "en-us")
    b = say("And tell me what you would miss about your team there.", tmp_path, "en-gb+f3")
    offset = int(0.8 * SAMPLE_RATE)
    both = np.zeros(max(len(a), offset + len(b)), dtype=np.float32)
    both[: len(a)] += a
    both[offset : offset + len(b)] += 0.8 * b
    log, answers = await run(both)
    assert len(of(log, EventType.SPEECH_STARTED)) == 1
    assert len(of(log, EventType.TURN_LATENCY)) == 1
    started = of(log, EventType.ANSWER_STARTED)
    ended = of(log, EventType.SPEECH_ENDED)
    assert started and ended and ended[0].data["speech_end_audio_ms"] >= 300 + 1000 * len(both) / SAMPLE_RATE - 200
    assert shown_then_taken_back(log) == 0
