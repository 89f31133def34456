"""Waiting like an interviewer: how long a candidate's pause must last before the answer is over.

The copilot waits 320-800 ms (``firstword.endpointing.semantic``) because its listener is asking a
question and wants the answer now. A candidate answering Nova pauses to think, in the middle of a
sentence, after "um", between the points of a list, and is cut off by anything that short. So
the practice interviewer waits longer and reads more of the transcript so far
(``InterviewerWait.wait_ms``):

- ``filler``: the answer so far ends on "um", "uh", "you know", ", like"..., or its last sentence
  is a one-word lead-in ("So." "Okay." "Well."): the speaker is thinking;
- ``open``: it ends on an open clause (, ; : - an ellipsis, or a word that cannot end an English
  sentence: "and", "because", "with", "to", "the"...);
- ``list``: a list is in progress ("first, ...", "there are three reasons ... second, ...") and
  has not been closed ("finally", "lastly", or as many points as were announced), or the last
  sentence is the bare heading of a point ("Two." "Number three.");
- ``closing``: the last sentence closes an answer ("...and that's how we cut latency by 40%.",
  "That's it.", "So yeah.", "Thanks.");
- ``sentence``: a complete sentence (. ! ?) that does none of the above;
- ``bare``: no final punctuation and no open ending (Whisper often leaves a short window bare).

Each cue has its wait (``InterviewerWaitConfig``, measured with ``firstword.bench.interviewer_wait``
on the corpus's labelled pauses). On top of that the wait adapts to the speaker: a pause of theirs
that lasted long and was followed by more of the answer (a mid-answer pause, or a premature end they
talked through) raises every later wait, but a ``closing`` one, to that pause plus a margin, up to a
ceiling. The candidate's "done" button needs no wait at all: ``Endpointer.force_end``.

The policy is selected with ``endpointing.policy`` ("copilot" | "interviewer"), through
``create_wait_policy``; with "interviewer" the endpointer's silence before the transcript of a pause
is known is ``interviewer.first_wait_ms`` instead of ``end_silence_ms``
(``firstword.endpointing.endpointer.turn_end_silence_ms``).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from firstword.audio.format import samples_to_ms
from firstword.config import EndpointingConfig, InterviewerWaitConfig
from firstword.endpointing.base import EndpointEvent, PauseCandidate, SpeechResumed
from firstword.endpointing.semantic import ending_of, required_silence_ms

Cue = Literal["filler", "open", "list", "closing", "sentence", "bare"]
CUES: tuple[Cue, ...] = ("filler", "open", "list", "closing", "sentence", "bare")

_CLOSERS = "\"')]»”’"
_WORDS = re.compile(r"[a-z0-9']+")
# Hesitations: the speaker is still looking for the next words.
FILLER_WORDS = frozenset("um umm uh uhh uhm er erm ah eh hmm hm mm".split())
# Multi-word hedges that end a thought only when a speaker is searching for the rest.
_TRAILING_HEDGE = re.compile(
    r"(?:\byou know|\bi mean|\bkind of|\bsort of|(?:,\s*|\band\s+|\bit'?s\s+)like|\blet me think|"
    r"\blet me see|\bwhat else|\bhow do i put it|\bi guess)\W*$"
)
# A sentence that closes an answer: the candidate summarises, signs off or hands back.
_CLOSING = re.compile(
    r"""^\W*(?:
        (?:(?:so|and|but|yeah|well|um|uh|okay|ok)\b\W*)*
        (?:
            (?:that'?s|that\s+is|that\s+was)\s+(?:it|all|about\s+it|pretty\s+much\s+it|everything|
                my\s+answer|the\s+story|the\s+gist|how|why|what|where|the\s+result|the\s+outcome)\b
          | (?:yeah|yep|yes|right|anyway|anyways)\W*(?:that'?s\s+(?:it|all))?\W*$
          | i\s+hope\s+that\s+(?:answers|helps|makes\s+sense)
          | does\s+that\s+(?:answer|make\s+sense)
          | (?:in\s+(?:short|summary|the\s+end|conclusion)|overall|all\s+in\s+all|to\s+sum\s+(?:it\s+)?up|
                in\s+a\s+nutshell|long\s+story\s+short|the\s+bottom\s+line)\b
          | (?:and\s+)?(?:so\s+)?(?:yeah|that'?s)\s*(?:about\s+)?(?:it|all)\W*$
          | (?:alright|all\s+right|okay|ok)?\W*\s*(?:thanks|thank\s+you)\b
        )
        | .*\b(?:thanks|thank\s+you)\W*$
    )""",
    re.VERBOSE,
)
# A one-word sentence that opens what follows: a thinking lead-in ("So." "Okay." "Well.")...
LEAD_IN_WORDS = frozenset("so well okay ok alright right now hmm and but".split())
# ...or the heading of the next point of a list ("Two." "Second." "Number three.").
_HEADING = re.compile(
    r"^(?:number\s+)?(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"first|second|third|fourth|fifth|next)$"
)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+")
# Ordinal markers that start a point of a list: at the start of the text or of a clause.
_CLAUSE_START = r"(?:^|[.!?;:,]\s*|\b(?:and|so|then|but)\s+)"
_LIST_OPEN = re.compile(
    _CLAUSE_START + r"(?:first(?:ly)?|first\s+of\s+all|to\s+(?:begin|start)\s+with|number\s+one|one\s+is)\b"
)
_LIST_NEXT = re.compile(
    _CLAUSE_START
    + r"(?:second(?:ly)?|third(?:ly)?|fourth(?:ly)?|fifth|number\s+(?:two|three|four|five)|"
    r"two\s+is|three\s+is|the\s+(?:second|third|next|other)\s+(?:one|thing|reason|point|part|step)|next|"
    r"another\s+(?:one|thing|reason|point|example))\b"
)
_LIST_CLOSE = re.compile(
    _CLAUSE_START
    + r"(?:finally|lastly|last(?:ly)?\s+but\s+not\s+least|and\s+last(?:ly)?|the\s+last\s+(?:one|thing|point)|"
    r"in\s+summary|to\s+sum\s+up|overall|all\s+in\s+all)\b"
)
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4, "5": 5}
_LIST_ANNOUNCED = re.compile(
    r"\b(two|three|four|five|2|3|4|5)\s+(?:main\s+|key\s+|big\s+|different\s+|important\s+)?"
    r"(?:things|reasons|ways|steps|points|parts|lessons|areas|challenges|examples|stages|phases|"
    r"options|problems|goals|changes|factors|ideas|priorities)\b"
)


@dataclass(frozen=True, slots=True)
class WaitDecision:
    cue: Cue
    base_ms: int  # the cue's wait in the table
    adapted_ms: int  # what the speaker's own pauses ask for (0: nothing yet, or not applied)
    wait_ms: int  # what the endpointer is asked for


def _last_sentence(text: str) -> str:
    parts = [p for p in _SENTENCE_SPLIT.split(text.strip()) if p.strip()]
    return parts[-1] if parts else ""


def _plain(text: str) -> str:
    """Lower case, curly quotes straightened, closers stripped from the end."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    return text.strip().rstrip(_CLOSERS).strip()


def is_closing(text: str) -> bool:
    """Whether the last sentence of ``text`` closes an answer ("That's it.", "So yeah.")."""
    last = _plain(_last_sentence(text)).rstrip(".!?").strip()
    return bool(last) and _CLOSING.search(last) is not None


def list_in_progress(text: str) -> bool:
    """A list of points has been opened ("first, ...", "three reasons") and not closed."""
    plain = _plain(text)
    opened = [m.end() for m in _LIST_OPEN.finditer(plain)]
    announced = list(_LIST_ANNOUNCED.finditer(plain))
    starts = opened + [m.end() for m in announced]
    if not starts:
        return False
    start = min(starts)
    if any(m.start() >= start for m in _LIST_CLOSE.finditer(plain)):
        return False
    if announced:
        wanted = _NUMBER_WORDS[announced[-1].group(1)]
        points = (1 if opened else 0) + sum(1 for m in _LIST_NEXT.finditer(plain) if m.start() >= start)
        return points < wanted
    return True


def reply_words(text: str) -> int:
    """Words in the reply so far (what ``InterviewerWait.for_reply`` counts)."""
    return len(_WORDS.findall(_plain(text)))


def cue_of(text: str) -> Cue:
    """What the end of the answer so far says about the pause after it (see the module doc)."""
    plain = _plain(text)
    if not plain:
        return "bare"
    words = _WORDS.findall(plain)
    last_char = plain[-1]
    if words and words[-1] in FILLER_WORDS and last_char not in ".!?":
        return "filler"
    if last_char not in ".!?" and _TRAILING_HEDGE.search(plain):
        return "filler"
    ending = ending_of(text)
    if ending == "open":
        return "open"
    if is_closing(text):
        return "closing"
    last = _plain(_last_sentence(text)).rstrip(".!?").strip()
    lead = _WORDS.findall(last)
    if lead and len(lead) <= 3 and all(w in LEAD_IN_WORDS for w in lead):
        return "filler"
    if _HEADING.match(last) or list_in_progress(text):
        return "list"
    return "sentence" if ending == "sentence" else "bare"


class WaitPolicy(Protocol):
    """Silence that should end the answer, given the transcript of the speech before the pause."""

    def wait_ms(self, text_so_far: str, pause_history: Iterable[float] | None = None) -> int: ...

    def observe(self, event: EndpointEvent) -> None:
        """Told every endpoint event of the stream, in order (for policies that learn)."""
        ...


class CopilotWait:
    """The copilot's semantic end of turn (``firstword.endpointing.semantic``) as a WaitPolicy."""

    def __init__(self, config: EndpointingConfig) -> None:
        self._config = config

    def wait_ms(self, text_so_far: str, pause_history: Iterable[float] | None = None) -> int:
        return required_silence_ms(text_so_far, self._config)

    def observe(self, event: EndpointEvent) -> None:
        return None


class InterviewerWait:
    """The end of a candidate's answer: a wait per cue, lengthened for a speaker who pauses long.

    Feed it the stream's endpoint events (``observe``; the pauses it learns from are the ones
    the endpointer announced with a PauseCandidate and then saw speech resume after), and tell it
    about a premature end the candidate talked through (``note_pause(ms, resumed=True)``). Ask
    ``wait_ms(text)`` when the pause candidate's transcript is ready and pass the answer to the
    endpointer (``require_silence_ms``). One instance per candidate (their pauses are theirs).
    """

    def __init__(self, config: InterviewerWaitConfig | None = None, *, chunk_samples: int = 512) -> None:
        self.config = config or InterviewerWaitConfig()
        self._chunk = chunk_samples
        self._resumed: deque[float] = deque(maxlen=max(1, self.config.adapt_memory))
        self._pause_speech_end: int | None = None

    # ----- what it learns -----------------------------------------------------------------

    def note_pause(self, silence_ms: float, *, resumed: bool = True) -> None:
        """A pause of ``silence_ms`` ended; ``resumed``: the same answer went on after it."""
        if resumed and silence_ms >= 0:
            self._resumed.append(float(silence_ms))

    def observe(self, event: EndpointEvent) -> None:
        """Learn the speaker's mid-answer pauses from the endpointer's events."""
        if isinstance(event, PauseCandidate):
            self._pause_speech_end = event.speech_end_sample
        elif isinstance(event, SpeechResumed):
            if self._pause_speech_end is not None:
                # at_sample ends the first voiced chunk after the pause.
                silence = event.at_sample - self._chunk - self._pause_speech_end
                self.note_pause(samples_to_ms(max(0, silence)))
            self._pause_speech_end = None
        else:
            self._pause_speech_end = None

    def forget_speaker(self) -> None:
        """A new candidate: what was learnt about the last one's pauses no longer applies."""
        self._resumed.clear()
        self._pause_speech_end = None

    @property
    def pause_history(self) -> tuple[float, ...]:
        """Resumed pauses remembered (ms, oldest first)."""
        return tuple(self._resumed)

    # ----- what it decides ----------------------------------------------------------------

    def base_ms(self, cue: Cue) -> int:
        c = self.config
        return {
            "filler": c.filler_ms,
            "open": c.open_ms,
            "list": c.list_ms,
            "closing": c.closing_ms,
            "sentence": c.sentence_ms,
            "bare": c.bare_ms,
        }[cue]

    def decide(self, text_so_far: str, pause_history: Iterable[float] | None = None) -> WaitDecision:
        """The wait for a pause after ``text_so_far``, with its reasons.

        ``pause_history``: the speaker's resumed pauses (ms) to adapt to; by default the ones this
        instance has observed.
        """
        return self.for_reply(self.decide_cue(cue_of(text_so_far), pause_history), reply_words(text_so_far))

    def for_reply(self, decision: WaitDecision, words: int) -> WaitDecision:
        """``decision`` for a reply of ``words`` words so far: a few words that read as a
        sentence or bare text are given ``short_reply_ms`` (``InterviewerWaitConfig``)."""
        c = self.config
        if decision.cue in ("sentence", "bare") and words < c.short_reply_words and decision.wait_ms < c.short_reply_ms:
            return replace(decision, wait_ms=c.short_reply_ms)
        return decision

    def decide_cue(self, cue: Cue, pause_history: Iterable[float] | None = None) -> WaitDecision:
        """The wait for a pause whose text reads as ``cue`` (see ``decide``)."""
        base = self.base_ms(cue)
        history = list(self._resumed if pause_history is None else pause_history)
        c = self.config
        adapted = 0
        if history and cue != "closing" and c.adapt_margin_ms >= 0:
            adapted = int(round(max(history[-c.adapt_memory :]))) + c.adapt_margin_ms
        wait = max(base, min(adapted, c.max_wait_ms)) if adapted else base
        return WaitDecision(cue, base, adapted, int(wait))

    def wait_ms(self, text_so_far: str, pause_history: Iterable[float] | None = None) -> int:
        """Silence (ms) after which the answer that reads ``text_so_far`` is over."""
        return self.decide(text_so_far, pause_history).wait_ms


def create_wait_policy(config: EndpointingConfig) -> WaitPolicy:
    """The policy named by ``config.policy``: "copilot" (semantic) or "interviewer"."""
    if config.policy == "copilot":
        return CopilotWait(config)
    if config.policy == "interviewer":
        return InterviewerWait(config.interviewer)
    raise ValueError(f"unknown endpointing policy {config.policy!r} (expected 'copilot' or 'interviewer')")


def interviewer_endpointing(config: EndpointingConfig) -> EndpointingConfig:
    """``config`` with the interviewer policy selected (for the practice interviewer's listener
    when the server-wide setting is the copilot's)."""
    return config.model_copy(update={"policy": "interviewer"})
