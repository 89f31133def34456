"""Voice out (``firstword.pipeline.voice_out``): Nova's audio paced to playback, after its
``voice.started``, held and resumed, stopped with the reason, said again after a dropped
connection. A fake TTS engine gives scripted PCM at once (the real engines: tests/test_tts.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from firstword.events import EventType, VoiceEndReason
from firstword.hub.log import EventLog
from firstword.pipeline.voice_out import VoiceOut

RATE = 16_000
MS = RATE * 2 // 1000  # bytes of PCM16 per millisecond


class FakeTts:
    """Each sentence: 20 ms of audio per word, in one chunk, at once."""

    name = "fake"
    sample_rate = RATE

    def __init__(self) -> None:
        self.said: list[str] = []

    async def load(self) -> None:
        return None

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        self.said.append(text)
        yield b"\x01\x00" * (RATE // 50) * len(text.split())

    async def aclose(self) -> None:
        return None


class Sink:
    def __init__(self, log: EventLog) -> None:
        self.log = log
        self.frames: list[tuple[int, int, float]] = []  # (after_seq, bytes, when)
        self.gone = False
        self.dropped = 0

    def send_audio(self, pcm: bytes, after_seq: int) -> bool:
        if self.gone:
            return False
        self.frames.append((after_seq, len(pcm), asyncio.get_running_loop().time()))
        return True

    def drop_audio(self) -> None:
        self.dropped += 1


def _voice(lead_ms: float = 100.0) -> tuple[EventLog, VoiceOut, Sink, FakeTts]:
    log = EventLog("s")
    tts = FakeTts()
    voice = VoiceOut(log.publish, tts, chunk_ms=20, lead_ms=lead_ms)
    sink = Sink(log)
    voice.sink = sink
    return log, voice, sink, tts


def _events(log: EventLog, kind: EventType) -> list[dict]:
    return [e.data for e in log.events_after(0) if e.type == kind]


async def test_frames_follow_voice_started_and_are_paced_to_playback() -> None:
    log, voice, sink, _ = _voice(lead_ms=100.0)
    shown: list[int] = []
    utterance = voice.say("One two three four five six seven eight nine ten. Eleven twelve.", 7,
                          on_sentence=lambda u, i: shown.append(i))
    assert utterance is not None
    started_at = asyncio.get_running_loop().time()
    assert await voice.wait() == VoiceEndReason.DONE
    elapsed = asyncio.get_running_loop().time() - started_at
    started = _events(log, EventType.VOICE_STARTED)[0]
    assert started["answer_id"] == 7 and started["sample_rate"] == RATE
    assert all(after == utterance.started_seq for after, _, _ in sink.frames)
    total = sum(n for _, n, _ in sink.frames)
    assert total == 12 * 20 * MS  # every word's 20 ms, nothing lost or doubled
    # 240 ms of audio, sent at most 100 ms ahead: it took at least ~140 ms, not an instant.
    assert elapsed >= 0.12
    assert shown == [0, 1]
    ended = _events(log, EventType.VOICE_ENDED)[0]
    assert ended["reason"] == "done" and ended["audio_ms"] == pytest.approx(240.0)


async def test_a_hold_pauses_the_frames_and_resume_goes_on_from_the_same_sample() -> None:
    _, voice, sink, _ = _voice(lead_ms=20.0)
    voice.say(" ".join(["word"] * 20) + ".", None)
    await asyncio.sleep(0.05)
    voice.hold()
    await asyncio.sleep(0.02)
    sent_at_hold = sum(n for _, n, _ in sink.frames)
    await asyncio.sleep(0.15)
    assert sum(n for _, n, _ in sink.frames) == sent_at_hold  # nothing while held
    voice.resume()
    assert await voice.wait() == VoiceEndReason.DONE
    assert sum(n for _, n, _ in sink.frames) == 20 * 20 * MS


async def test_a_barge_in_stops_at_once_drops_the_queue_and_says_why() -> None:
    log, voice, sink, _ = _voice(lead_ms=20.0)
    voice.say(" ".join(["word"] * 50) + ".", 3)
    await asyncio.sleep(0.06)
    voice.played(1, 30.0)
    voice.stop(VoiceEndReason.BARGE_IN)
    stopped_at = asyncio.get_running_loop().time()
    assert await voice.wait() == VoiceEndReason.BARGE_IN
    assert sink.dropped == 1
    assert all(when <= stopped_at for _, _, when in sink.frames)
    ended = _events(log, EventType.VOICE_ENDED)[0]
    assert ended["reason"] == "barge_in" and ended["heard_ms"] == 30.0
    assert ended["audio_ms"] < 50 * 20


async def test_a_dropped_connection_ends_the_utterance_and_keeps_what_was_not_heard() -> None:
    log, voice, sink, _ = _voice(lead_ms=20.0)
    voice.say("First sentence here. " + " ".join(["second"] * 30) + ".", None)
    await asyncio.sleep(0.08)
    cut = voice.detach(sink)
    assert cut is not None and cut.unsaid().startswith("second")
    assert await voice.wait() == VoiceEndReason.STOPPED
    assert voice.say("Anything.", None) is None  # nobody to hear it: nothing is sent


async def test_prepared_sentences_are_not_synthesized_twice() -> None:
    _, voice, _, tts = _voice()
    voice.prepare("Thank you. What did you do yourself?")
    await asyncio.sleep(0.01)
    voice.say("Thank you. What did you do yourself?", None)
    assert await voice.wait() == VoiceEndReason.DONE
    assert tts.said == ["Thank you.", "What did you do yourself?"]


async def test_a_hold_shorter_than_the_lead_is_not_heard_and_nothing_overlaps() -> None:
    """The page plays on through a hold: after a hold shorter than the lead, the next frame is
    placed right behind what the page still holds (no gap, no two frames playing at once), and
    frames are not sent further ahead than the lead."""
    log = EventLog("s")
    placed: list[tuple[float, float]] = []  # (when it plays, seconds)
    voice = VoiceOut(log.publish, FakeTts(), chunk_ms=20, lead_ms=200.0,
                     on_sent=lambda pcm, rate, at: placed.append((at, len(pcm) / 2 / rate)))
    voice.sink = Sink(log)
    voice.say(" ".join(["word"] * 40) + ".", None)
    await asyncio.sleep(0.3)
    voice.hold()
    held_at = asyncio.get_running_loop().time()
    await asyncio.sleep(0.08)  # well inside the 200-ms lead
    n_before = len(placed)
    voice.resume()
    assert await voice.wait() == VoiceEndReason.DONE
    ends = [at + seconds for at, seconds in placed]
    for (at, _), previous_end in zip(placed[1:], ends):
        assert at >= previous_end - 1e-4, "two frames placed to play at once"
    resumed_at, _ = placed[n_before]
    assert abs(resumed_at - ends[n_before - 1]) < 0.005, "a gap after a hold the page played through"
    assert ends[n_before - 1] - held_at <= 0.2 + 0.03, "sent further ahead than the lead"
