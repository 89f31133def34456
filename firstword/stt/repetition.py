"""Detect and cut the repetition loops of Whisper's short-window decode.

Fed less than its 30-s window, Whisper often transcribes the audio and then starts over, again and
again, until ``max_length`` stops it ("go forward ten meters. Go forward ten meters. Go…"), or
repeats a phrase with small variations ("some more words words words and here are some more
words words…"). Such a loop always runs to the end of the hypothesis, so only a *tail* is cut:

- a periodic tail: one phrase repeated, the last copy possibly cut short. Short phrases need more
  copies, so that a speaker repeating a word or two ("no, no", "I think I think") is kept;
- a recycled tail: from a point where a phrase said earlier starts again, no word pair of the rest
  is said for the first time. Real speech adds new word pairs; a loop only recombines old ones.

Words are compared normalised, so "go"/"Go" and "meters,"/"meters." match.
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
    # Recycled tail: the restarted phrase's length, and the shortest tail cut (in words).
    recycled_restart: int = 3
    recycled_min_tail: int = 4
    recycled: bool = True

    def min_copies(self, period: int) -> float:
        if period == 1:
            return self.min_copies_1
        if period == 2:
            return self.min_copies_2
        return self.min_copies_long


DEFAULT_RULE = LoopRule()


def _key(word: str) -> str:
    return _KEY_RE.sub("", word.lower())


def periodic_tail(keys: list[str], rule: LoopRule = DEFAULT_RULE) -> int | None:
    """Where to cut a periodic tail (just after its first copy), or None."""
    n = len(keys)
    best: int | None = None
    for period in range(1, min(rule.max_period, n // 2) + 1):
        # Walk back while each word equals the word one period earlier.
        j = n - 1
        while j - period >= 0 and keys[j] == keys[j - period]:
            j -= 1
        start = j + 1 - period  # first word of the first copy
        span = n - start
        if span < 2 * period or span / period < rule.min_copies(period):
            continue
        if best is None or start + period < best:
            best = start + period
    return best


def recycled_tail(keys: list[str], rule: LoopRule = DEFAULT_RULE) -> int | None:
    """Where a tail made only of earlier material starts again, or None."""
    n = len(keys)
    r = rule.recycled_restart
    # The tail must hold no word pair said for the first time: it starts after the last new one.
    first_seen: dict[tuple[str, str], int] = {}
    last_new = -1
    for i in range(n - 1):
        pair = (keys[i], keys[i + 1])
        if pair not in first_seen:
            first_seen[pair] = i
            last_new = i
    # …and it starts by saying again a phrase said entirely before it.
    for c in range(last_new + 1, n - rule.recycled_min_tail + 1):
        phrase = keys[c : c + r]
        if any(keys[j : j + r] == phrase for j in range(0, c - r + 1)):
            return c
    return None


def truncate_loop(text: str, rule: LoopRule = DEFAULT_RULE) -> tuple[str, bool]:
    """``text`` with a trailing repetition loop cut off; whether anything was cut."""
    words = text.split()
    keys = [_key(w) for w in words]
    cuts = [periodic_tail(keys, rule)]
    if rule.recycled:
        cuts.append(recycled_tail(keys, rule))
    found = [c for c in cuts if c is not None]
    if not found:
        return text, False
    return " ".join(words[: min(found)]), True


def cut_at_restart(text: str, phrase_words: int = 4) -> tuple[str, bool]:
    """``text`` up to where it first says again a phrase of ``phrase_words`` it has said before.

    Aggressive, so only for text already known to be looping (a decode that ran out of tokens
    inside one segment): there a repeated phrase is the loop starting over, variations or not.
    """
    words = text.split()
    keys = [_key(w) for w in words]
    seen: set[tuple[str, ...]] = set()
    for c in range(len(keys) - phrase_words + 1):
        phrase = tuple(keys[c : c + phrase_words])
        if phrase in seen:
            return " ".join(words[:c]), True
        seen.add(phrase)
    return text, False
