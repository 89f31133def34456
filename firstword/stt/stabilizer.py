"""Stable interim text by local agreement (LocalAgreement-2) between consecutive hypotheses.

Each interim decode re-transcribes the whole growing utterance, so its last words change as more
audio arrives. A word is committed once two consecutive hypotheses agree on it and on everything
before it; committed words are never taken back, so what a client shows as stable never flickers.
Words are compared lower-cased and without punctuation: "country" and "country." agree, and a
change of case or comma does not hold the commit back.
"""

from __future__ import annotations

import re

_KEY_RE = re.compile(r"[^\w']+")
# Committed words matched to find where the committed text ends in a hypothesis that re-worded
# part of it (a dropped or added word early on shifts every position after it).
_ANCHOR_WORDS = 3


def word_key(word: str) -> str:
    return _KEY_RE.sub("", word.lower())


class TranscriptStabilizer:
    def __init__(self) -> None:
        self._committed: list[str] = []  # words as first committed; never rewritten
        self._committed_keys: list[str] = []
        self._previous_keys: list[str] = []

    @property
    def stable(self) -> str:
        return " ".join(self._committed)

    def update(self, hypothesis: str) -> tuple[str, str]:
        """Feed the newest hypothesis of the utterance; returns (stable, unstable) text."""
        words = hypothesis.split()
        keys = [word_key(w) for w in words]
        here = self._anchor(keys)
        before = self._anchor(self._previous_keys)
        if here is not None and before is not None:
            agreed = _common_prefix(self._previous_keys[before:], keys[here:])
            self._committed.extend(words[here : here + agreed])
            self._committed_keys.extend(keys[here : here + agreed])
            here += agreed
        self._previous_keys = keys
        if here is None:
            # The hypothesis does not contain the end of the committed text: show what lies past
            # the committed word count, the best guess without an anchor.
            here = min(len(self._committed), len(words))
        return self.stable, " ".join(words[here:])

    def reset(self) -> None:
        self._committed = []
        self._committed_keys = []
        self._previous_keys = []

    def _anchor(self, keys: list[str]) -> int | None:
        """Index in ``keys`` just past the committed text, or None if it cannot be found."""
        k = len(self._committed_keys)
        if keys[:k] == self._committed_keys:
            return k
        m = min(_ANCHOR_WORDS, k)
        tail = self._committed_keys[-m:]
        found = [j for j in range(m, len(keys) + 1) if keys[j - m : j] == tail]
        return min(found, key=lambda j: abs(j - k)) if found else None


def _common_prefix(a: list[str], b: list[str]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
