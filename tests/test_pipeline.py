"""The copilot pipeline end to end in process: endpointer + streaming transcriber + turn manager.

The VAD, the STT engine and the LLM are fakes (tone bursts stand for words), so these tests check
control flow: one turn per question, mid-sentence pauses, speaker continuing, long monologues.
"""

from __future__ import annotations

import asyncio

import numpy as np

from firstword.config import Settings
from firstword.audio.format import SAMPLE_RATE
from firstword.events import EventType, standing_finals
from firstword.hub.log import EventLog
from firstword.pipeline.copilot import CopilotPipeline
from firstword.testing import BurstStt, InlineExecutor, InstantAnswers, LoudnessVad, silence, tone


def make(parts, settings: Settings | None = None):
    if settings is None:
        # Tone bursts have no prosody: these control-flow tests keep the transcript-only policy
        # (the end-of-turn model has its own, tests/test_turn_end.py).
        settings = Settings()
        settings.endpointing.turn_end.policy = "semantic"
    log = EventLog("p")
    answers = InstantAnswers()
    stt = BurstStt(parts)
    pipeline = CopilotPipeline(
        log, settings, vad=LoudnessVad(), stt=stt, answers=answers, stt_executor=InlineExecutor()
    )
    return pipeline, log, answers, stt


async def play(pipeline: CopilotPipeline, audio: np.ndarray) -> None:
    for i in range(0, len(audio), 320):
        pipeline.feed(audio[i : i + 320])
        for _ in range(3):
            await asyncio.sleep(0)
    await pipeline.drain()
    for _ in range(10):
        await asyncio.sleep(0)


def kinds(log: EventLog) -> list[str]:
    return [e.type for e in log.events_after(0)]


def of(log: EventLog, kind: str):
    return [e for e in log.events_after(0) if e.type == kind]


async def test_one_question_gets_one_speculative_answer_revealed_at_speech_end():
    pipeline, log, answers, _ = make([("Why do you want this job", "?")])
    await play(pipeline, np.concatenate([silence(300), tone(1500), silence(2500)]))
    order = kinds(log)
    assert order.index("speech.started") < order.index("speech.ended") < order.index("transcript.final")
    assert of(log, EventType.TRANSCRIPT_FINAL)[0].data["text"] == "Why do you want this job?"
    started = of(log, EventType.ANSWER_STARTED)
    assert len(started) == 1 and started[0].data["trigger"] == "speculative"
    # The answer is shown right after speech.ended, never before it.
    assert started[0].seq > of(log, EventType.SPEECH_ENDED)[0].seq
    assert of(log, EventType.ANSWER_DONE)[0].data["text"] == "I led it."
    report = of(log, EventType.TURN_LATENCY)[0].data
    assert report["trigger"] == "speculative" and report["segments"] == 1
    assert pipeline.stats.early_kept == 1
    await pipeline.aclose()


async def test_mid_sentence_pause_does_not_cut_the_question():
    parts = [("Tell me about a project", ","), ("that you led", "?")]
    pipeline, log, answers, _ = make(parts)
    # 500 ms pause: longer than end_silence_ms, shorter than mid_sentence_silence_ms.
    audio = np.concatenate([silence(200), tone(1200), silence(500), tone(800), silence(2500)])
    await play(pipeline, audio)
    assert len(of(log, EventType.SPEECH_ENDED)) == 1
    assert [e.data["trigger"] for e in of(log, EventType.ANSWER_STARTED)] == ["speculative"]
    assert of(log, EventType.ANSWER_STARTED)[0].data["question"] == "Tell me about a project, that you led?"
    assert of(log, EventType.ANSWER_CANCELLED) == []
    assert pipeline.stats.speculation_discarded >= 1
    await pipeline.aclose()


async def test_speaker_continuing_after_a_sentence_is_one_turn_with_the_early_answer_cancelled():
    parts = [("Tell me about yourself", "."), ("And why us", "?")]
    pipeline, log, answers, _ = make(parts)
    audio = np.concatenate([silence(200), tone(1000), silence(700), tone(700), silence(2500)])
    await play(pipeline, audio)
    starts = of(log, EventType.ANSWER_STARTED)
    assert len(starts) == 2
    cancelled = of(log, EventType.ANSWER_CANCELLED)
    assert len(cancelled) == 1 and cancelled[0].data["reason"] == "speaker_continued"
    assert starts[-1].data["question"] == "Tell me about yourself. And why us?"
    assert {e.turn for e in of(log, EventType.SPEECH_STARTED)} == {1}
    assert of(log, EventType.SPEECH_STARTED)[1].data["continued"] is True
    assert len(of(log, EventType.TURN_LATENCY)) == 1
    assert pipeline.stats.early_cancelled == 1
    await pipeline.aclose()


async def test_two_questions_far_apart_are_two_turns():
    parts = [("First question", "?")]
    pipeline, log, answers, _ = make(parts)
    audio = np.concatenate([tone(800), silence(2500), tone(800), silence(2500)])
    await play(pipeline, audio)
    assert [e.turn for e in of(log, EventType.TURN_LATENCY)] == [1, 2]


async def test_only_silence_produces_no_turn():
    pipeline, log, answers, stt = make([("x", ".")])
    await play(pipeline, silence(5000))
    assert kinds(log) == []
    assert stt.decodes == 0 and answers.questions == []


async def test_long_speech_without_pause_is_cut_into_pieces_and_answered_once():
    settings = Settings()
    settings.stt.max_segment_ms = 5000
    parts = [(f"word{i}", ".") for i in range(40)]
    pipeline, log, answers, _ = make(parts, settings)
    # 16 s of continuous tone: three forced cuts, one turn, one answer at the end.
    await play(pipeline, np.concatenate([tone(16_000), silence(2500)]))
    finals = of(log, EventType.TRANSCRIPT_FINAL)
    assert sum(1 for f in finals if f.data["forced_cut"]) >= 2
    assert len(of(log, EventType.TURN_LATENCY)) == 1
    assert len(answers.questions) >= 1
    await pipeline.aclose()


async def test_end_of_audio_flushes_the_open_turn():
    pipeline, log, answers, _ = make([("Are we done", "?")])
    await play(pipeline, tone(900))
    assert of(log, EventType.SPEECH_ENDED) == []
    await pipeline.end_of_audio()
    for _ in range(10):
        await asyncio.sleep(0)
    assert of(log, EventType.TURN_LATENCY)


async def test_final_after_a_continued_segment_transcribes_the_turn_again_and_replaces_it():
    parts = [("Tell me about yourself", "."), ("And why us", "?")]
    pipeline, log, answers, stt = make(parts)
    audio = np.concatenate([silence(200), tone(1000), silence(700), tone(700), silence(2500)])
    await play(pipeline, audio)
    first, second = of(log, EventType.TRANSCRIPT_FINAL)
    assert first.data["replaces"] == [] and first.data["text"] == "Tell me about yourself."
    # The second final heard both segments at once and stands in for the first.
    assert second.data["replaces"] == [first.seq]
    assert second.data["audio_start_ms"] == first.data["audio_start_ms"]
    assert second.data["text"] == "Tell me about yourself. And why us?"
    assert [e.data["text"] for e in standing_finals(log.events_after(0))] == [second.data["text"]]
    assert of(log, EventType.TURN_LATENCY)[0].data["question"] == "Tell me about yourself. And why us?"
    await pipeline.aclose()


async def test_a_final_that_still_fits_the_question_keeps_the_early_answer():
    # The final reads the number as a word: same question, so the shown answer stands.
    answers_for = {"Go forward 10 meters.": "Go forward ten meters."}

    class Rewording(BurstStt):
        calls: int = 0

        def decode(self, audio, *, prompt=None):  # type: ignore[no-untyped-def]
            decoded = super().decode(audio, prompt=prompt)
            self.calls += 1
            # The pause candidate gets digits, the (later, longer) final gets words.
            text = answers_for.get(decoded.text, decoded.text) if len(audio) >= 1.37 * SAMPLE_RATE else decoded.text
            return type(decoded)(text, decoded.audio_ms, decoded.compute_ms)

    log = EventLog("p")
    answers = InstantAnswers()
    pipeline = CopilotPipeline(
        log, Settings(), vad=LoudnessVad(), stt=Rewording([("Go forward 10 meters", ".")]),
        answers=answers, stt_executor=InlineExecutor(),
    )
    await play(pipeline, np.concatenate([silence(200), tone(1000), silence(2500)]))
    final = of(log, EventType.TRANSCRIPT_FINAL)[0].data["text"]
    assert final == "Go forward ten meters."
    started = of(log, EventType.ANSWER_STARTED)
    assert [(e.data["trigger"], e.data["question"]) for e in started] == [("speculative", "Go forward 10 meters.")]
    assert of(log, EventType.ANSWER_CANCELLED) == []
    await pipeline.aclose()
