"""Detect and cut the repetition loops of Whisper's short-window decode.

Fed less than its 30-s window, Whisper often transcribes the audio and then starts over, again and
again, until ``max_length`` stops it ("go forward ten meters. Go forward ten meters. Go…"). Such a
loop always runs to the end of the hypothesis, so only a periodic *tail* is cut, and only when it
is long enough to be a loop rather than a speaker repeating a word or two ("no, no", "I think I
think"). Words are compared normalised, so "go"/"Go" and "meters,"/"meters." match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_KEY_RE = re.compile(r"[^\w']+")


@dataclass(frozen=True, slots=True)
class LoopRule:
    # Longest repeated phrase looked for, in words.
    max_period: int = 12
    # Copies (the last one may be partial) a phrase of 1, 2, 3+ words needs to count as a loop.
    min_copies_1: float = 5.0
    min_copies_2: float = 3.0
    min_copies_long: float = 2.0

    def min_copies(self, period: int) -> float:
        if period == 1:
            return self.min_copies_1
        if period == 2:
            return self.min_copies_2
        return self.min_copies_long


DEFAULT_RULE = LoopRule()


def _key(word: str) -> str:
    return _KEY_RE.sub("", word.lower())


def loop_start(keys: list[str], rule: LoopRule = DEFAULT_RULE) -> tuple[int, int] | None:
    """(start, period) of the earliest-starting repetition loop ending ``keys``, or None."""
    n = len(keys)
    best: tuple[int, int] | None = None
    for period in range(1, min(rule.max_period, n // 2) + 1):
        # Walk back while each word equals the word one period earlier.
        j = n - 1
        while j - period >= 0 and keys[j] == keys[j - period]:
            j -= 1
        start = j + 1 - period  # first word of the first copy
        span = n - start
        if span < 2 * period:
            continue
        if span / period >= rule.min_copies(period) and (best is None or start < best[0]):
            best = (start, period)
    return best


def truncate_loop(text: str, rule: LoopRule = DEFAULT_RULE) -> tuple[str, bool]:
    """``text`` with a trailing repetition loop cut to its first copy; whether anything was cut."""
    words = text.split()
    found = loop_start([_key(w) for w in words], rule)
    if found is None:
        return text, False
    start, period = found
    return " ".join(words[: start + period]), True
