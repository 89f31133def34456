"""The turn policy, driven by a fake voice-activity model: no model, no clock, milliseconds."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firstword.config import EndpointingConfig
from firstword.endpointing.base import (
    EndpointEvent,
    PauseCandidate,
    SpeechEnded,
    SpeechResumed,
    SpeechStarted,
    VoiceActivityModel,
)
from firstword.endpointing.endpointer import Endpointer, TurnPolicy

CHUNK = 512  # 32 ms at 16 kHz
FRAME = 320  # 20 ms, the pipeline's frame

# Whole chunks everywhere, so expected positions are exact: min speech 3 chunks, prefetch 3,
# end 10, mid-sentence 25.
CONFIG = EndpointingConfig(
    threshold=0.5,
    neg_threshold=0.3,
    min_speech_ms=96,
    prefetch_silence_ms=96,
    end_silence_ms=320,
    mid_sentence_silence_ms=800,
)


class ValueVad:
    """Says the probability is the chunk's first sample value, so the audio scripts the scores
    and the same audio gives the same scores however it is pushed."""

    chunk_samples = CHUNK

    def __init__(self) -> None:
        self.calls = 0
        self.resets = 0

    def reset(self) -> None:
        self.resets += 1

    def speech_probability(self, chunk: np.ndarray) -> float:
        assert chunk.shape == (CHUNK,)
        self.calls += 1
        return float(chunk[0])


def audio(*runs: tuple[float, int]) -> np.ndarray:
    """(probability, chunks) runs as samples for ValueVad."""
    return np.concatenate([np.full(n * CHUNK, p, np.float32) for p, n in runs])


def endpointer(config: EndpointingConfig = CONFIG) -> Endpointer:
    vad: VoiceActivityModel = ValueVad()
    return Endpointer(vad, config)


def push_frames(ep: Endpointer, samples: np.ndarray, frame: int = FRAME) -> list[EndpointEvent]:
    events: list[EndpointEvent] = []
    for i in range(0, len(samples), frame):
        events += ep.push(samples[i : i + frame])
    return events


def at(chunks: int) -> int:
    return chunks * CHUNK


def test_speech_starts_once_min_speech_has_lasted() -> None:
    events = endpointer().push(audio((0.0, 10), (0.9, 10)))
    assert events == [SpeechStarted(at_sample=at(13), speech_start_sample=at(10))]


def test_blip_shorter_than_min_speech_opens_nothing() -> None:
    ep = endpointer()
    assert ep.push(audio((0.0, 5), (0.9, 2), (0.0, 40), (0.9, 1), (0.0, 40))) == []
    assert not ep.in_speech


def test_min_speech_zero_starts_on_the_first_voiced_chunk() -> None:
    ep = endpointer(CONFIG.model_copy(update={"min_speech_ms": 0}))
    assert ep.push(audio((0.0, 2), (0.9, 1))) == [SpeechStarted(at_sample=at(3), speech_start_sample=at(2))]


def test_hysteresis_keeps_speech_between_the_thresholds() -> None:
    # 0.4 is under the threshold (0.5) but over neg_threshold (0.3).
    ep = endpointer()
    assert ep.push(audio((0.4, 30))) == [], "0.4 alone never starts speech"
    events = ep.push(audio((0.9, 3), (0.4, 30)))
    assert events == [SpeechStarted(at_sample=at(33), speech_start_sample=at(30))]
    assert ep.in_speech and ep.silence_samples == 0
    # Under neg_threshold it is silence; back at 0.4 it is still silence (needs >= threshold).
    events = ep.push(audio((0.2, 1), (0.4, 1)))
    assert events == []
    assert ep.silence_samples == at(2)


def test_hysteresis_joins_a_run_that_dips_between_the_thresholds() -> None:
    # Two voiced chunks, a dip to 0.35, one more: a run of 4 chunks reaches min speech.
    events = endpointer().push(audio((0.0, 1), (0.9, 2), (0.35, 1), (0.9, 1)))
    assert events == [SpeechStarted(at_sample=at(4), speech_start_sample=at(1))]


def test_pause_candidate_then_resumed() -> None:
    ep = endpointer()
    events = ep.push(audio((0.9, 5), (0.0, 4), (0.9, 2)))
    assert events == [
        SpeechStarted(at_sample=at(3), speech_start_sample=0),
        PauseCandidate(at_sample=at(8), speech_end_sample=at(5)),
        SpeechResumed(at_sample=at(10)),
    ]
    assert ep.in_speech


def test_pause_shorter_than_prefetch_raises_nothing() -> None:
    events = endpointer().push(audio((0.9, 5), (0.0, 2), (0.9, 5)))
    assert events == [SpeechStarted(at_sample=at(3), speech_start_sample=0)]


def test_pause_candidate_then_ended() -> None:
    ep = endpointer()
    events = ep.push(audio((0.0, 2), (0.9, 6), (0.0, 12)))
    assert events == [
        SpeechStarted(at_sample=at(5), speech_start_sample=at(2)),
        PauseCandidate(at_sample=at(11), speech_end_sample=at(8)),
        SpeechEnded(at_sample=at(18), speech_end_sample=at(8)),
    ]
    assert not ep.in_speech
    assert ep.silence_samples == at(12), "the silence run goes on counting after the end"


def test_candidate_comes_first_even_when_prefetch_is_not_shorter_than_end() -> None:
    ep = endpointer(CONFIG.model_copy(update={"prefetch_silence_ms": 640}))
    events = ep.push(audio((0.9, 4), (0.0, 10)))
    assert events[1:] == [
        PauseCandidate(at_sample=at(14), speech_end_sample=at(4)),
        SpeechEnded(at_sample=at(14), speech_end_sample=at(4)),
    ]


def test_next_turn_needs_min_speech_again() -> None:
    ep = endpointer()
    ep.push(audio((0.9, 4), (0.0, 10)))
    assert ep.push(audio((0.9, 2), (0.0, 20))) == []
    assert ep.push(audio((0.9, 3))) == [SpeechStarted(at_sample=at(39), speech_start_sample=at(36))]


def test_require_silence_extends_this_pause_only() -> None:
    ep = endpointer()
    events = ep.push(audio((0.9, 4), (0.0, 3)))
    candidate = events[-1]
    assert isinstance(candidate, PauseCandidate)
    assert ep.require_silence_ms(800, speech_end_sample=candidate.speech_end_sample)
    assert ep.push(audio((0.0, 21))) == [], "end_silence_ms alone would have ended it"
    assert ep.push(audio((0.0, 1))) == [SpeechEnded(at_sample=at(29), speech_end_sample=at(4))]
    # The next pause is back to end_silence_ms.
    events = ep.push(audio((0.9, 3), (0.0, 10)))
    assert events[-1] == SpeechEnded(at_sample=at(42), speech_end_sample=at(32))


def test_require_silence_resets_when_speech_resumes() -> None:
    ep = endpointer()
    ep.push(audio((0.9, 4), (0.0, 3)))
    assert ep.require_silence_ms(800)
    events = ep.push(audio((0.9, 1), (0.0, 10)))
    assert events == [
        SpeechResumed(at_sample=at(8)),
        PauseCandidate(at_sample=at(11), speech_end_sample=at(8)),
        SpeechEnded(at_sample=at(18), speech_end_sample=at(8)),
    ]


def test_require_silence_can_also_shorten_a_pause() -> None:
    ep = endpointer()
    ep.push(audio((0.9, 4), (0.0, 3)))
    assert ep.require_silence_ms(0)
    assert ep.push(audio((0.0, 1))) == [SpeechEnded(at_sample=at(8), speech_end_sample=at(4))]


def test_require_silence_outside_a_pause_or_for_a_stale_pause_is_ignored() -> None:
    ep = endpointer()
    assert not ep.require_silence_ms(800), "no speech yet"
    ep.push(audio((0.9, 4)))
    assert not ep.require_silence_ms(800), "speech is going on"
    first = ep.push(audio((0.0, 3)))[-1]
    assert isinstance(first, PauseCandidate)
    ep.push(audio((0.9, 2), (0.0, 3)))  # resumed and paused again meanwhile
    assert not ep.require_silence_ms(800, speech_end_sample=first.speech_end_sample)
    assert ep.push(audio((0.0, 7)))[-1] == SpeechEnded(at_sample=at(19), speech_end_sample=at(9))
    assert not ep.require_silence_ms(800), "the segment is over"
    with pytest.raises(ValueError):
        ep.require_silence_ms(-1)


def test_properties() -> None:
    ep = endpointer()
    assert (ep.in_speech, ep.samples_seen, ep.silence_samples, ep.last_probability) == (False, 0, 0, 0.0)
    ep.push(audio((0.0, 2), (0.75, 3)))
    assert ep.in_speech and ep.last_probability == pytest.approx(0.75)
    ep.push(audio((0.125, 2))[:700])
    assert ep.samples_seen == at(5) + 700
    assert ep.silence_samples == CHUNK, "only the whole chunk is scored"
    assert ep.last_probability == pytest.approx(0.125)
    assert ep.speech_end_sample == at(5)


def test_odd_frame_sizes_buffer_the_remainder() -> None:
    samples = audio((0.0, 7), (0.9, 9), (0.0, 5), (0.9, 4), (0.0, 15))
    whole = endpointer().push(samples)
    ep = endpointer()
    framed = push_frames(ep, samples, FRAME)
    assert framed == whole
    assert ep.samples_seen == len(samples)
    ep2 = endpointer()
    assert ep2.push(samples[:300]) == [] and ep2._vad.calls == 0  # type: ignore[attr-defined]
    assert ep2.samples_seen == 300
    assert push_frames(ep2, samples[300:], 7) == whole


def test_reset_forgets_everything() -> None:
    samples = audio((0.9, 5), (0.0, 4))
    ep = endpointer()
    first = push_frames(ep, samples[:1000])
    ep.reset()
    assert ep._vad.resets == 1  # type: ignore[attr-defined]
    assert (ep.in_speech, ep.samples_seen, ep.silence_samples) == (False, 0, 0)
    assert first == [] and push_frames(ep, samples) == push_frames(endpointer(), samples)


def test_deterministic() -> None:
    rng = np.random.default_rng(3)
    probs = np.repeat(rng.choice([0.0, 0.2, 0.4, 0.6, 0.95], size=400, p=[0.4, 0.1, 0.1, 0.1, 0.3]), 6)
    samples = np.repeat(probs.astype(np.float32), CHUNK)
    runs = [push_frames(endpointer(), samples, size) for size in (FRAME, 512, 4096, 333)]
    assert runs[0] and all(r == runs[0] for r in runs)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="mono"):
        endpointer().push(np.zeros((2, 320), np.float32))
    with pytest.raises(ValueError, match="neg_threshold"):
        endpointer(CONFIG.model_copy(update={"neg_threshold": 0.6}))
    with pytest.raises(ValueError, match="NaN"):
        endpointer().push(np.full(CHUNK, np.nan, np.float32))
    assert endpointer().push(np.zeros(0, np.float32)) == []


def test_ten_minutes_of_speech_in_bounded_memory() -> None:
    frame = np.full(FRAME, 0.9, np.float32)
    ep = endpointer()
    minute = 60 * 16_000 // FRAME

    def feed(frames: int) -> list[EndpointEvent]:
        events: list[EndpointEvent] = []
        for _ in range(frames):
            events += ep.push(frame)
        return events

    events = feed(minute)
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        events += feed(9 * minute)
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert events == [SpeechStarted(at_sample=at(3), speech_start_sample=0)]
    assert ep.in_speech and ep.samples_seen == 10 * minute * FRAME
    assert grown < 64_000, f"state grew by {grown} bytes over nine minutes"
    # And then the turn still ends on time.
    tail = ep.push(np.zeros(at(11), np.float32))
    assert isinstance(tail[-1], SpeechEnded)


def _check_grammar(events: list[EndpointEvent], samples_seen: int) -> None:
    state = "idle"
    last_at = 0
    candidate: PauseCandidate | None = None
    for e in events:
        assert e.at_sample >= last_at and e.at_sample % CHUNK == 0 and e.at_sample <= samples_seen
        last_at = e.at_sample
        if isinstance(e, SpeechStarted):
            assert state == "idle"
            assert e.speech_start_sample < e.at_sample
            state = "speaking"
        elif isinstance(e, PauseCandidate):
            assert state == "speaking" and e.speech_end_sample < e.at_sample
            candidate, state = e, "paused"
        elif isinstance(e, SpeechResumed):
            assert state == "paused"
            state = "speaking"
        else:
            assert isinstance(e, SpeechEnded) and state == "paused"
            assert candidate is not None and e.speech_end_sample == candidate.speech_end_sample
            state = "idle"


@settings(max_examples=150, deadline=None)
@given(
    probs=st.lists(st.sampled_from([0.0, 0.1, 0.29, 0.3, 0.45, 0.5, 0.7, 1.0]), max_size=120),
    run_lengths=st.lists(st.integers(1, 12), min_size=1, max_size=120),
    push_sizes=st.lists(st.integers(0, 1500), min_size=1, max_size=40),
    end_ms=st.sampled_from([0, 96, 320]),
    prefetch_ms=st.sampled_from([0, 32, 96, 400]),
    min_speech_ms=st.sampled_from([0, 32, 96, 200]),
)
def test_events_follow_the_grammar_whatever_the_push_sizes(
    probs: list[float],
    run_lengths: list[int],
    push_sizes: list[int],
    end_ms: int,
    prefetch_ms: int,
    min_speech_ms: int,
) -> None:
    config = CONFIG.model_copy(
        update={"end_silence_ms": end_ms, "prefetch_silence_ms": prefetch_ms, "min_speech_ms": min_speech_ms}
    )
    repeats = [run_lengths[i % len(run_lengths)] for i in range(len(probs))]
    scores = np.repeat(np.array(probs, np.float32), repeats)
    samples = np.repeat(scores, CHUNK)
    ep = Endpointer(ValueVad(), config)
    events: list[EndpointEvent] = []
    i = k = 0
    while i < len(samples):
        size = push_sizes[k % len(push_sizes)] or 1
        events += ep.push(samples[i : i + size])
        i, k = i + size, k + 1
    _check_grammar(events, ep.samples_seen)
    assert ep.samples_seen == len(samples)
    assert events == TurnPolicy(config).run(scores, CHUNK), "push sizes must not change the events"
