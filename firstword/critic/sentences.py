"""Sentences of an answer as it streams, with their character offsets in the answer's text.

A sentence is complete when the text after its end mark has started the next one (a space and a
letter, digit or quote), or when the answer is done. Decimal points, abbreviations and initials
do not end a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# "e.g.", "Dr.", "U.S.", "approx." — a period after these does not end a sentence.
ABBREVIATIONS = frozenset(
    "e.g i.e etc vs dr mr mrs ms prof sr jr st approx inc ltd co corp dept est fig no nos vol "
    "jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri".split()
)
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|\n+")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int  # offset of its first character in the answer's text
    end: int  # one past its last character
    text: str


def _ends_here(text: str, mark_start: int) -> bool:
    before = text[:mark_start]
    word = re.search(r"([A-Za-z][A-Za-z.]*)$", before)
    if word and word.group(1).lower().rstrip(".") in ABBREVIATIONS:
        # After a number it is a unit, which may end a sentence ("from 40 s to 300 ms. I …"),
        # not a title ("Ms. Lee").
        return re.search(r"\d\s*$", before[: word.start()]) is not None
    # An initial ("J. Smith"); a decimal point never matches, as no space follows it.
    return not (word and len(word.group(1)) == 1 and word.group(1).isupper())


def split(text: str, *, final: bool) -> list[Sentence]:
    """The complete sentences of ``text`` (all of it once ``final``)."""
    sentences: list[Sentence] = []
    start = 0
    for match in _END.finditer(text):
        if match.group(0)[0] != "\n" and not _ends_here(text, match.start()):
            continue
        end = match.end() if match.group(0)[0] != "\n" else match.start()
        _add(sentences, text, start, end)
        start = match.end()
    if final:
        _add(sentences, text, start, len(text))
    return sentences


def _add(sentences: list[Sentence], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    begin = start + lead
    finish = begin + len(stripped)
    bullet = _BULLET.match(stripped)
    if bullet and len(stripped) > bullet.end():
        begin += bullet.end()
        stripped = stripped[bullet.end():]
    sentences.append(Sentence(begin, finish, stripped))


class SentenceStream:
    """Feeds an answer's deltas; hands out each sentence once, as soon as it is complete.

    Offsets count in the answer's text as ``answer.done`` carries it: leading whitespace of the
    first delta is not part of it.
    """

    def __init__(self) -> None:
        self._raw = ""
        self._done = 0  # sentences already handed out

    @property
    def text(self) -> str:
        return self._raw.lstrip()

    def feed(self, delta: str) -> list[Sentence]:
        self._raw += delta
        return self._new(final=False)

    def finish(self, text: str | None = None) -> list[Sentence]:
        if text is not None and text.strip() != self.text.strip():
            self._raw = text
        return self._new(final=True)

    def _new(self, *, final: bool) -> list[Sentence]:
        found = split(self.text, final=final)
        fresh = found[self._done :]
        self._done = len(found)
        return fresh
