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
from firstword.testing import BurstStt, GatedAnswers, InlineExecutor, InstantAnswers, LoudnessVad, silence, tone


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
    settings = Settings()
    settings.endpointing.turn_end.policy = "semantic"
    settings.stt.early_finals = False  # only the finals that decode (the early ones: below)
    pipeline, log, answers, stt = make(parts, settings)
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
    settings = Settings()
    settings.stt.early_finals = False  # a final that decodes again (a turn's first segment reuses the pause's)
    pipeline = CopilotPipeline(
        log, settings, vad=LoudnessVad(), stt=Rewording([("Go forward 10 meters", ".")]),
        answers=answers, stt_executor=InlineExecutor(),
    )
    await play(pipeline, np.concatenate([silence(200), tone(1000), silence(2500)]))
    final = of(log, EventType.TRANSCRIPT_FINAL)[0].data["text"]
    assert final == "Go forward ten meters."
    started = of(log, EventType.ANSWER_STARTED)
    assert [(e.data["trigger"], e.data["question"]) for e in started] == [("speculative", "Go forward 10 meters.")]
    assert of(log, EventType.ANSWER_CANCELLED) == []
    await pipeline.aclose()


async def test_a_turns_first_segment_takes_its_pause_decode_as_its_final():
    settings = Settings()
    settings.endpointing.turn_end.policy = "semantic"
    assert settings.stt.early_finals
    pipeline, log, answers, stt = make([("Why do you want this job", "?")], settings)
    await play(pipeline, np.concatenate([silence(300), tone(1500), silence(2500)]))
    (final,) = of(log, EventType.TRANSCRIPT_FINAL)
    assert final.data["text"] == "Why do you want this job?" and final.data["replaces"] == []
    assert [e.data["question"] for e in of(log, EventType.TURN_LATENCY)] == ["Why do you want this job?"]
    reused = stt.decodes
    await pipeline.aclose()

    # Off: the final decodes the same speech a second time, after the answer's first word.
    settings.stt.early_finals = False
    pipeline, log, _, stt = make([("Why do you want this job", "?")], settings)
    await play(pipeline, np.concatenate([silence(300), tone(1500), silence(2500)]))
    assert [e.data["text"] for e in of(log, EventType.TRANSCRIPT_FINAL)] == ["Why do you want this job?"]
    assert stt.decodes == reused + 1
    await pipeline.aclose()


async def test_a_later_segments_pause_decodes_the_turn_and_is_its_final_at_once():
    settings = Settings()
    settings.endpointing.turn_end.policy = "semantic"
    pipeline, log, answers, stt = make([("Tell me about yourself", "."), ("And why us", "?")], settings)
    audio = np.concatenate([silence(200), tone(1000), silence(700), tone(700), silence(2500)])
    await play(pipeline, audio)
    first, final = of(log, EventType.TRANSCRIPT_FINAL)
    assert first.data["text"] == "Tell me about yourself." and first.data["replaces"] == []
    # The second pause heard both segments together (as the turn's final would have), so the
    # turn's end was judged on the whole question, and that decode is the final, shown at once.
    assert final.data["text"] == "Tell me about yourself. And why us?"
    assert final.data["replaces"] == [first.seq]
    assert [e.seq for e in standing_finals(log.events_after(0))] == [final.seq]
    assert [e.data["question"] for e in of(log, EventType.TURN_LATENCY)] == ["Tell me about yourself. And why us?"]
    await pipeline.aclose()
    # One decode fewer than hearing the second segment alone and then the turn again.
    settings.stt.pause_decodes_turn = False
    alone, _, _, alone_stt = make([("Tell me about yourself", "."), ("And why us", "?")], settings)
    await play(alone, audio)
    assert stt.decodes == alone_stt.decodes - 1
    await alone.aclose()


async def test_a_later_segment_shows_its_pause_decode_until_the_turns_final_replaces_it():
    settings = Settings()
    settings.endpointing.turn_end.policy = "semantic"
    settings.stt.pause_decodes_turn = False
    pipeline, log, answers, _ = make([("Tell me about yourself", "."), ("And why us", "?")], settings)
    audio = np.concatenate([silence(200), tone(1000), silence(700), tone(700), silence(2500)])
    await play(pipeline, audio)
    first, early, final = of(log, EventType.TRANSCRIPT_FINAL)
    assert first.data["text"] == "Tell me about yourself." and first.data["replaces"] == []
    # The second segment's words are on the page as soon as it ends ...
    assert early.data["text"] == "And why us?" and early.data["replaces"] == []
    # ... and the final that heard both segments together stands in for both.
    assert sorted(final.data["replaces"]) == [first.seq, early.seq]
    assert final.data["text"] == "Tell me about yourself. And why us?"
    assert [e.seq for e in standing_finals(log.events_after(0))] == [final.seq]
    # The turn manager took the turn's finals, not the early one: the question is not doubled.
    assert [e.data["question"] for e in of(log, EventType.TURN_LATENCY)] == ["Tell me about yourself. And why us?"]
    await pipeline.aclose()


async def test_a_segment_that_starts_before_the_last_ones_final_keeps_its_interims():
    # The final of a segment waits for the answer's first word; the speaker goes on meanwhile.
    # That final's arrival must not switch off the interims of the segment now being spoken.
    settings = Settings()
    settings.endpointing.turn_end.policy = "semantic"
    settings.stt.early_finals = False  # the first segment's final decodes, after the first word
    log = EventLog("p")
    answers = GatedAnswers()
    pipeline = CopilotPipeline(
        log, settings, vad=LoudnessVad(), answers=answers, stt_executor=InlineExecutor(),
        stt=BurstStt([("Tell me about yourself", "."), ("And then what made you leave your last job", "?")]),
    )

    async def feed(audio: np.ndarray) -> None:
        for i in range(0, len(audio), 320):
            pipeline.feed(audio[i : i + 320])
            for _ in range(3):
                await asyncio.sleep(0)

    await feed(np.concatenate([silence(200), tone(1000), silence(700), tone(600)]))
    assert len(of(log, EventType.SPEECH_ENDED)) == 1 and len(of(log, EventType.SPEECH_STARTED)) == 2
    assert of(log, EventType.TRANSCRIPT_FINAL) == []  # still waiting for the first word
    answers.release(len(answers.tokens))
    for _ in range(50):
        await asyncio.sleep(0.001)
    (first_final,) = of(log, EventType.TRANSCRIPT_FINAL)
    await feed(tone(1600))
    later = [e for e in of(log, EventType.TRANSCRIPT_INTERIM) if e.seq > first_final.seq]
    assert len(later) >= 3, "the second segment went without interims once the first one's final came"
    # Interims of the second segment's audio, growing with it.
    assert all(e.data["audio_start_ms"] >= first_final.data["audio_end_ms"] for e in later)
    assert later[-1].data["audio_end_ms"] > later[0].data["audio_end_ms"] + 800
    await pipeline.aclose()


def test_a_window_decode_replaces_earlier_finals_only_if_it_opens_with_them():
    from firstword.pipeline.copilot import _keeps_order

    assert _keeps_order("Tell me about yourself.", "Tell me about yourself. And why us?")
    assert _keeps_order("Why?", "Why? Tell me more.")
    assert _keeps_order("", "anything at all")
    # A word heard again differently is still the same opening.
    assert _keeps_order("nothing going on and", "nothing going else going on and then more")
    # Whisper put the first clause after what follows it (mfa_cold_corpus.wav, 2026-12-02).
    assert not _keeps_order("And here's the long pause", "And I think this is probably good. Thanks. Here's a long pause,")
