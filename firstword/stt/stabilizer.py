"""Stable interim text by local agreement (LocalAgreement-2) between consecutive hypotheses.

Each interim decode re-transcribes the whole growing utterance, so its last words change as more
audio arrives. A word is committed once two consecutive hypotheses agree on it and on everything
before it; committed words are never taken back, so what a client shows as stable never flickers.
Words are compared lower-cased and without punctuation: "country" and "country." agree, and a
change of case or comma does not hold the commit back.
"""

from __future__ import annotations

import difflib
import re

_KEY_RE = re.compile(r"[^\w']+")
# Committed words matched to find where the committed text ends in a hypothesis that re-worded
# part of it (a dropped or added word early on shifts every position after it).
_ANCHOR_WORDS = 3
# Failing an exact match, the committed text's last words aligned loosely (``_loose_anchor``),
# looked for within this many words of where the committed text should end.
_REANCHOR_WORDS = 8
_REANCHOR_SLACK = 4


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

    def settle(self, hypothesis: str) -> tuple[str, str]:
        """Commit all of ``hypothesis`` past the committed text: it was decoded with the voice
        stopped, so no word of it is cut off mid-way (the reason a single hypothesis's last words
        are not trusted). Returns (stable, "")."""
        words = hypothesis.split()
        keys = [word_key(w) for w in words]
        here = self._anchor(keys)
        if here is None:
            return self.update(hypothesis)  # it re-worded the committed text: agree as usual
        self._committed.extend(words[here:])
        self._committed_keys.extend(keys[here:])
        self._previous_keys = keys
        return self.stable, ""

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
        if found:
            return min(found, key=lambda j: abs(j - k))
        return self._loose_anchor(keys)

    def _loose_anchor(self, keys: list[str]) -> int | None:
        """Where the committed text ends in a hypothesis that re-heard one of its last words
        ("nothing going on" committed, "nothing going else going on" heard once more audio came;
        "eyes, feet" committed, "eyes, feeds" heard): the committed end aligned by difflib near
        where it should be. Without this, one such word held every later word of the segment
        uncommitted until its final (up to 13 s on the corpus's readings)."""
        k = len(self._committed_keys)
        tail = self._committed_keys[-_REANCHOR_WORDS:]
        lo = max(0, k - len(tail) - _REANCHOR_SLACK)
        near = keys[lo : k + _REANCHOR_SLACK]
        ops = difflib.SequenceMatcher(a=tail, b=near, autojunk=False).get_opcodes()
        agreeing = sum(a2 - a1 for op, a1, a2, _, _ in ops if op == "equal")
        if agreeing * 3 < len(tail) * 2:
            return None  # too little of the committed end is there to place it
        end = None
        for op, a1, a2, b1, b2 in ops:
            if a1 < len(tail) <= a2:
                # The opcode that holds the committed text's last word: kept, re-heard as as many
                # words, or dropped; words the hypothesis adds after it are not part of it.
                end = {"equal": b2, "replace": min(b2, b1 + a2 - a1), "delete": b1}[op]
                break
        return None if end is None else lo + end


def _common_prefix(a: list[str], b: list[str]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
