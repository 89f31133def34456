"""Stray symbols in a decode: the words of a transcript that are no words.

Given the silence after a question, Whisper tiny.en now and then writes a token of symbols alone
("...the final answer. //", "- ", "♪"). Left in, it becomes the turn's last sentence, and the
answerer answered it: "Nothing in your profile covers “//”" (`firstword bench latency` on the
synthesized readings, seed 7, 2 of 28 turns). A whitespace-separated token with no letter or
digit is dropped, unless it is a symbol people say as a word; one of punctuation only ("...",
"?") joins the word before it, where Whisper usually writes it, so a cut-off mark still counts.
"""

from __future__ import annotations

# Said aloud as words ("R & D", "a 5 % cut" written apart, "C #"): kept when alone.
_SPOKEN = frozenset("&%$€£#+@=")
_PUNCTUATION = frozenset(".,?!;:…")


def _is_word(token: str) -> bool:
    return any(ch.isalnum() or ch in _SPOKEN for ch in token)


def drop_stray_symbols(text: str) -> str:
    """``text`` without its tokens of symbols alone (see the module doc)."""
    kept: list[str] = []
    for token in text.split():
        if _is_word(token):
            kept.append(token)
        elif kept and all(ch in _PUNCTUATION for ch in token):
            kept[-1] += token
    return " ".join(kept)


def is_stray(word: str) -> bool:
    """Whether a single word of a timed decode is a stray symbol (see ``drop_stray_symbols``)."""
    return not _is_word(word)
