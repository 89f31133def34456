"""Committed-text lag: how far the transcript a user can rely on trails the voice.

For each spoken word (the offline 30-s path's words with faster-whisper's word timestamps), the
time from the moment its last audio frame was sent until the client holds it *committed*: in a
final that still stands (not replaced by a later final of the turn), or among the ``stable``
words of the newest interim. A word counts as committed from the first transcript update from
which it stays matched to the end of the run; words the streaming transcript never holds (its
errors) are counted apart as ``uncommitted``.

Matching is by word sequence (difflib on normalised words), so a streaming transcript that
splits or spells a word differently loses that word, not the alignment of the rest.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from firstword.audio.format import SAMPLE_RATE
from firstword.client import StreamRecord
from firstword.events import EventType, TranscriptFinal, TranscriptInterim
from firstword.stt.textnorm import normalize


@dataclass(frozen=True, slots=True)
class TimedWord:
    text: str
    end_s: float  # seconds into the recording


@dataclass(frozen=True, slots=True)
class CommittedLag:
    lags_ms: list[float]  # one per committed word, in spoken order
    uncommitted: int  # spoken words the streaming transcript never held

    def summary(self) -> dict[str, float | int | None]:
        if not self.lags_ms:
            return {"p50": None, "p90": None, "max": None, "n": 0, "uncommitted": self.uncommitted}
        lags = np.asarray(self.lags_ms)
        return {
            "p50": round(float(np.percentile(lags, 50)), 1),
            "p90": round(float(np.percentile(lags, 90)), 1),
            "max": round(float(lags.max()), 1),
            "n": len(self.lags_ms),
            "uncommitted": self.uncommitted,
        }


def committed_snapshots(record: StreamRecord) -> list[tuple[float, list[str]]]:
    """(client time, committed normalised words) after every transcript event."""
    finals: dict[int, str] = {}
    replaced: set[int] = set()
    stable = ""
    snapshots: list[tuple[float, list[str]]] = []
    for received in record.events:
        event = received.event
        if event.type == EventType.TRANSCRIPT_FINAL:
            final = event.payload(TranscriptFinal)
            if event.seq is not None:
                finals[event.seq] = final.text
            replaced.update(final.replaces)
            stable = ""  # the final covers what the open segment's interims held
        elif event.type == EventType.TRANSCRIPT_INTERIM:
            stable = event.payload(TranscriptInterim).stable
        else:
            continue
        text = " ".join([t for seq, t in sorted(finals.items()) if seq not in replaced] + [stable])
        snapshots.append((received.at, normalize(text).split()))
    return snapshots


def committed_lag(
    words: Sequence[TimedWord],
    snapshots: Sequence[tuple[float, list[str]]],
    sent_at: Callable[[int], float],
) -> CommittedLag:
    spoken = [normalize(w.text) for w in words]
    # A word whose normalised form is empty (punctuation) or several words ("5" -> "five") is
    # matched by its first normalised word.
    keys = [s.split()[0] if s.split() else "" for s in spoken]
    since: list[float | None] = [None] * len(words)
    for at, held in snapshots:
        matched = [False] * len(words)
        matcher = difflib.SequenceMatcher(a=keys, b=held, autojunk=False)
        for block in matcher.get_matching_blocks():
            for i in range(block.a, block.a + block.size):
                matched[i] = True
        for i, ok in enumerate(matched):
            if not ok:
                since[i] = None
            elif since[i] is None:
                since[i] = at
    lags: list[float] = []
    uncommitted = 0
    for word, key, at in zip(words, keys, since, strict=True):
        if not key:
            continue
        if at is None:
            uncommitted += 1
            continue
        spoken_at = sent_at(min(int(word.end_s * SAMPLE_RATE), 2**62))
        lags.append(max(0.0, (at - spoken_at) * 1000.0))
    return CommittedLag(lags, uncommitted)


def record_lag(words: Sequence[TimedWord], record: StreamRecord) -> CommittedLag:
    return committed_lag(words, committed_snapshots(record), record.sent_at_sample)
