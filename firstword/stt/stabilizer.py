"""Stable interim text by local agreement (LocalAgreement-2) between consecutive hypotheses.

Each interim decode re-transcribes the whole growing utterance, so its last words change as more
audio arrives. A word is committed once two consecutive hypotheses agree on it and on everything
before it, or on a run of words just after a word or two they hear differently; committed words
are never taken back, so what a client shows as stable never flickers.
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
# The share of those words that must be found in place. Two re-heard words in the last eight
# ("thy name. shall t see" committed, "thy nage shalt see" heard from then on) left 5 of 8: at
# 2/3 the anchor was lost and nothing more of the segment committed until its final (the
# corpus's sonnets, 12.7 s; with 200-ms interims p90 2.8 s). Replayed on the corpus's four
# readings' recorded interims: see config.SttConfig.interim_min_step_ms. Fewer than three words
# found place it only if its last word is among them ("Looking thy glass" committed, "Look in
# thy glass, and" heard: "thy glass").
_REANCHOR_SHARE = 0.5
_REANCHOR_MIN = 3


# A committed end heard whole once more audio came ("contract" committed from "contract..." and
# "contract it...", then "contracted"): the committed text's end is found where a hypothesis's
# word begins with its last word, if that word was marked cut off or is this long (shorter
# ones begin too many words: "the" in "then"). Without this the anchor was lost and nothing
# more of a 12-s line of the corpus's sonnets committed until its final. (Not committing a
# word marked cut off at all cost every turn's last word a hypothesis: committed-text lag p50
# +60 ms on the corpus's readings.)
_CUT_OFF = ("-", "\u2014", "\u2013", "...", "\u2026")
_PREFIX_CHARS = 4
# A committed text found word for word in place with at most one word in this many heard
# differently (at least one): the anchor of last resort (``_anchor``).
_SUBSTITUTED_PER = 4
# Letters two spellings of one word share (difflib's ratio): "are"/"art" 0.67, "feet"/"feeds"
# 0.67; "the"/"a" 0, "in"/"on" 0.5.
_CLOSE_RATIO = 0.6
# Agreement goes on past at most this many words heard differently, when at least this many
# words after them agree in both hypotheses (``_agreement``).
_DISPUTED = 2
_AGREED_RUN = 3


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
            agreed = _agreement(self._previous_keys[before:], keys[here:])
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
        if self._ends_like(keys[:k], self._committed_keys):
            return k
        m = min(_ANCHOR_WORDS, k)
        tail = self._committed_keys[-m:]
        found = [j for j in range(m, len(keys) + 1) if self._ends_like(keys[j - m : j], tail)]
        if found:
            return min(found, key=lambda j: abs(j - k))
        loose = self._loose_anchor(keys)
        if loose is not None:
            return loose
        # A short commit with words re-heard in place ("thou are thy mother" committed, "thou
        # art thy mother's glass" heard): too few words to align, but word for word where it
        # should be, each the same or close.
        if k and len(keys) >= k:
            differing = sum(not _close(a, b) for a, b in zip(keys[:k], self._committed_keys))
            if differing <= max(1, k // _SUBSTITUTED_PER):
                return k
        return None

    def _ends_like(self, window: list[str], committed_end: list[str]) -> bool:
        """``window`` says ``committed_end``, its last word whole where it was committed cut off."""
        if window == committed_end:
            return True
        if not committed_end or not self._committed:
            return False
        last = committed_end[-1]
        if not (self._committed[-1].endswith(_CUT_OFF) or len(last) >= _PREFIX_CHARS):
            return False
        return (
            len(window) == len(committed_end)
            and window[:-1] == committed_end[:-1]
            and window[-1].startswith(committed_end[-1])
        )

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
        end, last_kept = None, False
        for op, a1, a2, b1, b2 in ops:
            if a1 < len(tail) <= a2:
                # The opcode that holds the committed text's last word: kept, re-heard as as many
                # words, or dropped; words the hypothesis adds after it are not part of it.
                end = {"equal": b2, "replace": min(b2, b1 + a2 - a1), "delete": b1}[op]
                last_kept = op == "equal"
                break
        if agreeing < len(tail) * _REANCHOR_SHARE or (agreeing < min(_REANCHOR_MIN, len(tail)) and not last_kept):
            return None  # too little of the committed end is there to place it
        return None if end is None else lo + end


def _agreement(previous: list[str], current: list[str]) -> int:
    """How many of ``current``'s words two consecutive hypotheses agree on: their common prefix,
    and past a word or two they hear differently when a run of words after it is the same in
    both ("desire increase, that thereby" / "desire and crease that thereby"). The disputed
    words are taken as the newer hypothesis has them (it heard more audio). Strict agreement
    held every later word of such a line until its final; replayed on the corpus's four
    readings' recorded interims, this took the committed-text lag's p90 1562 -> 1476 ms at the
    same median and the same words committed."""
    i = j = 0
    while True:
        agreed = _common_prefix(previous[i:], current[j:])
        i, j = i + agreed, j + agreed
        blocks = difflib.SequenceMatcher(a=previous[i:], b=current[j:], autojunk=False).get_matching_blocks()
        run = next(
            (b for b in blocks if b.size >= _AGREED_RUN and b.a <= _DISPUTED and b.b <= _DISPUTED and (b.a or b.b)),
            None,
        )
        if run is None:
            return j
        i, j = i + run.a, j + run.b


def _close(heard: str, committed: str) -> bool:
    """The same word heard again, perhaps whole or a letter off ("mothers" for "mother", "art"
    for "are"), by its letters."""
    if heard == committed or (len(committed) >= _PREFIX_CHARS and heard.startswith(committed)):
        return True
    return difflib.SequenceMatcher(a=heard, b=committed, autojunk=False).ratio() >= _CLOSE_RATIO


def _common_prefix(a: list[str], b: list[str]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
