"""Committed-text lag from a scripted stream of transcript events (``bench.committed_lag``)."""

from __future__ import annotations

import pytest

from firstword.audio.feeder import FedFrame
from firstword.audio.format import FRAME_SAMPLES, SAMPLE_RATE
from firstword.bench.committed_lag import TimedWord, committed_lag, committed_snapshots, record_lag
from firstword.client import Received, StreamRecord
from firstword.events import Event


def transcript(kind: str, seq: int, at: float, text: str, *, stable: str = "", replaces: list[int] | None = None
               ) -> Received:
    data = {"text": text, "speaker": "interviewer", "audio_start_ms": 0.0, "audio_end_ms": 0.0, "compute_ms": 1.0}
    if kind == "interim":
        data |= {"stable": stable, "unstable": text[len(stable):]}
    else:
        data["replaces"] = replaces or []
    return Received(Event.from_dict({"type": f"transcript.{kind}", "seq": seq, "turn": 1, "data": data}), at)


def record(events: list[Received], seconds: float = 10.0) -> StreamRecord:
    """Frames sent exactly in real time from t = 100 s."""
    frames = [FedFrame(i, b"", 100.0 + i * FRAME_SAMPLES / SAMPLE_RATE) for i in range(int(seconds * 50))]
    return StreamRecord(frames=frames, events=events)


WORDS = [TimedWord("Tell", 0.5), TimedWord("me", 0.8), TimedWord("about", 1.2), TimedWord("yourself.", 1.9)]


def test_a_word_is_committed_when_it_is_stable_or_final_and_stays_so() -> None:
    events = [
        # "tell me" stable at 101.0 (spoken by 100.5 and 100.8): 500 and 200 ms.
        transcript("interim", 1, 101.0, "tell me a", stable="tell me"),
        # "about" only unstable here: not committed yet.
        transcript("interim", 2, 101.5, "tell me about", stable="tell me"),
        # The final holds everything at 102.4.
        transcript("final", 3, 102.4, "Tell me about yourself."),
    ]
    lag = record_lag(WORDS, record(events))
    assert lag.lags_ms == pytest.approx([500.0, 200.0, 1200.0, 500.0], abs=25)
    assert lag.uncommitted == 0
    summary = lag.summary()
    assert summary["n"] == 4 and summary["max"] == pytest.approx(1200.0, abs=25)


def test_a_word_taken_back_counts_from_when_it_comes_back_to_stay() -> None:
    events = [
        transcript("interim", 1, 101.0, "tell me", stable="tell me"),
        # A later final of the same turn replaces the first and drops "me" for a moment ...
        transcript("final", 2, 101.2, "tell"),
        # ... and the turn's next final, which replaces it, brings it back.
        transcript("final", 3, 103.0, "tell me about yourself", replaces=[2]),
    ]
    snapshots = committed_snapshots(record(events))
    assert [words for _, words in snapshots] == [["tell", "me"], ["tell"], ["tell", "me", "about", "yourself"]]
    lag = committed_lag(WORDS, snapshots, record(events).sent_at_sample)
    assert lag.lags_ms[1] == pytest.approx(2200.0, abs=25)  # committed for good at 103.0
    assert lag.lags_ms[0] == pytest.approx(500.0, abs=25)


def test_words_the_stream_never_holds_are_counted_apart() -> None:
    events = [transcript("final", 1, 102.0, "tell me a bout yourself")]
    lag = record_lag(WORDS, record(events))
    assert lag.uncommitted == 1  # "about" was written as two words
    assert len(lag.lags_ms) == 3


def test_no_words_gives_empty_figures() -> None:
    assert record_lag([], record([])).summary() == {"p50": None, "p90": None, "max": None, "n": 0, "uncommitted": 0}
