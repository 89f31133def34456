"""Semantic end of turn: how much silence a transcript's ending asks for before the turn is over.

Silence alone cannot tell a finished question from a speaker drawing breath mid-sentence, and
every wrong guess costs: too early and a shown answer is cancelled when the speaker goes on, too
late and the first word waits. Whisper punctuates, and the words themselves say a lot, so the
pause candidate's transcript picks the silence required (``EndpointingConfig``):

- ``sentence``: ends in . ? or ! -> ``end_silence_ms``;
- ``open``: ends in , ; : - or an ellipsis, or on a word that cannot end an English sentence
  ("and", "the", "of", "because", "I", ...) -> ``mid_sentence_silence_ms``;
- ``unpunctuated``: none of those ("... for your country", "one two three": Whisper often leaves
  the last sentence of a short window bare) -> ``unpunctuated_silence_ms``, in between.
"""

from __future__ import annotations

import re
from typing import Literal

from firstword.config import EndpointingConfig

Ending = Literal["sentence", "open", "unpunctuated"]

_CLOSERS = "\"')]»”’"
_LAST_WORD = re.compile(r"([A-Za-z']+)\W*$")
# Words after which an English sentence goes on: conjunctions, articles, prepositions,
# possessives, auxiliaries, subject pronouns and fillers. Object pronouns ("thank you",
# "tell me about it") can end one and are not here.
CONTINUATION_WORDS = frozenset(
    """
    and but or nor so because if when while whereas although though unless until since than
    that which who whom whose where whether
    the a an this these those my your our their his its
    of to in on at for with about from by as into onto over under between through during
    without within like
    is are was were be been being am have has had do does did will would can could should
    shall may might must
    i we they he she
    um uh er erm
    """.split()
)


def ending_of(text: str) -> Ending:
    stripped = text.rstrip().rstrip(_CLOSERS).rstrip()
    if not stripped:
        return "unpunctuated"
    if stripped.endswith(("...", "…")) or stripped[-1] in ",;:-–—":
        return "open"
    if stripped[-1] in ".?!":
        return "sentence"
    match = _LAST_WORD.search(stripped)
    if match and match.group(1).lower() in CONTINUATION_WORDS:
        return "open"
    return "unpunctuated"


def required_silence_ms(text: str, config: EndpointingConfig) -> int:
    ending = ending_of(text)
    if ending == "sentence":
        return config.end_silence_ms
    if ending == "open":
        return config.mid_sentence_silence_ms
    return config.unpunctuated_silence_ms
