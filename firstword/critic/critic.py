"""The critic beside every streamed answer: each sentence is judged as soon as it is complete, and
a flagged one is retracted in view (``answer.retracted``), with a grounded correction where the
person's material has one (``answer.corrected``).

It hangs off the session's event log like the store does: the log hands it every event
synchronously, and it only notes the text and schedules the judgement on the event loop, so it
never delays the token it reads, nor publishes in the middle of another publish.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from firstword.answerer.personas import is_grounded
from firstword.answerer.profile import Profile
from firstword.critic.checks import Context, Judgement, Verdict, judge, judge_advice
from firstword.critic.claims import Evidence, warm
from firstword.critic.sentences import Sentence, SentenceStream, split
from firstword.events import (
    AnswerCancelled,
    AnswerCorrected,
    AnswerDelta,
    AnswerDone,
    AnswerRetracted,
    AnswerStarted,
    Event,
    EventType,
    Payload,
    RetractReason,
)
from firstword.grounding.compose import first_person
from firstword.grounding.facts import FactBase, Source
from firstword.grounding.grounding import Grounding
from firstword.grounding.questions import QuestionType, classify

log = logging.getLogger("firstword.critic")

REASONS = {
    Verdict.UNSUPPORTED: RetractReason.UNSUPPORTED,
    Verdict.ECHO: RetractReason.ECHO,
    Verdict.SELF_REFERENCE: RetractReason.SELF_REFERENCE,
    Verdict.DEGENERATE: RetractReason.DEGENERATE,
}


@dataclass(frozen=True, slots=True)
class Checked:
    """One sentence's judgement, for tests and the evaluation."""

    answer_id: int
    sentence: Sentence
    judgement: Judgement
    # Monotonic time of the delta that completed the sentence, and of the judgement.
    completed_at: float
    judged_at: float


class ProfileCritic:
    """Judges sentences against one profile (rebuilt when the profile changes)."""

    def __init__(
        self, profile: Profile, instructions: str = "", persona: str = "copilot", grounding: Grounding | None = None
    ) -> None:
        """``grounding``: the answerer's, for the same profile (its facts and index are built
        once per profile, not once for the answers and again for their critic)."""
        self.profile = profile
        self._persona = persona
        warm()
        self.grounding = grounding if grounding is not None and grounding.profile is profile else Grounding(profile)
        self.facts: FactBase = self.grounding.facts
        person = [
            f.text for f in self.facts
            if f.source is not Source.JOB and not _is_style(f.text) and not f.instruction_like
        ]
        self._person = "\n".join(person)
        self._employer = "\n".join(f.text for f in self.facts.of(Source.JOB))
        self._instructions = instructions
        self._labels = tuple(sorted({f.label for f in self.facts if f.label}))
        self._headings = frozenset(_headings(profile))
        # The openings composed so far, by question, with their sentences (see ``opening``).
        self._openings: dict[str, tuple[str, frozenset[str]]] = {}
        self._contexts: dict[str, Context] = {}
        self._closing: dict[str, bool] = {}
        # The weakness the person's notes give, if any ("Weakness to mention: …").
        self._weakness = next(
            (f.text.split(":", 1)[-1].strip() for f in self.facts
             if f.source is not Source.JOB and f.label and "weakness" in f.label.lower()),
            "",
        )
        self._employer_lines = tuple(
            line.strip(" -*•\t") for line in profile.job_description.splitlines() if len(line.split()) >= 4
        )

    def context(self, question: str) -> Context:
        found = self._contexts.get(question)
        if found is None:
            found = Context(
                Evidence(f"{self._person}\n{question}", self._employer, self._person),
                self._instructions,
                self._labels,
                question,
                self._headings,
                self._employer_lines,
                tuple(self._unnamed(question)),
                self._weakness,
            )
            _remember(self._contexts, question, found)
        return found

    def _unnamed(self, question: str) -> list[str]:
        """For a yes/no question about having done something ("Have you managed a budget?"):
        the words of that thing the person's own material never uses (grounding's reading)."""
        if not question:
            return []
        return [str(w) for w in self.grounding.unnamed(question)]

    def judge(
        self, sentence: str, question: str, earlier: list[str] | None = None, *, reported: bool = False
    ) -> Judgement:
        """``reported``: the question carries a tool's result the answer may state facts from."""
        if not is_grounded(self._persona):
            return judge_advice(sentence, self.context(question), earlier or [], reported=reported)
        said = self._openings.get(question)
        if said and sentence.strip() in said[1] and sentence not in (earlier or ()):
            # A sentence of the grounded opening composed for this question: the person's own
            # material in fixed glue, whoever repeats it (its wording is not the model's).
            return Judgement(Verdict.SUPPORTED)
        closing = self._closing.get(question)
        if closing is None:
            closing = classify(question).kind is QuestionType.CLOSING if question else False
            _remember(self._closing, question, closing)
        return judge(sentence, self.context(question), earlier or [], asks_for_questions=closing)

    def opening(self, question: str, follows: str | None = None) -> str:
        """The grounded opening the answerer starts this question's answer with (the same
        deterministic composition; empty for personas that answer with the model alone).
        ``follows``: the question a follow-up was answered about (``AnswerStarted.follows``)."""
        if not is_grounded(self._persona):
            return ""
        key = f"{follows}\n{question}" if follows else question
        if key not in self._openings:
            text = self.grounding.ground(question, follows).composition.opening
            _remember(self._openings, key, (text, frozenset(s.text for s in split(text, final=True))))
        return self._openings[key][0]

    def correction(self, question: str, answer_text: str) -> str | None:
        """A sentence from the person's own material that answers the question and is not in the
        answer yet, to stand where a retracted one stood."""
        grounded = self.grounding.ground(question)
        for scored in grounded.ranked:
            if not scored.on_topic or scored.fact.source is Source.JOB:
                continue
            said = first_person(scored.fact, self.facts)
            if said and said not in answer_text and scored.fact.text not in answer_text:
                return said
        return None


def _remember(cache: dict, key: str, value: object, size: int = 64) -> None:
    """Keeps the last ``size`` questions' entries (a session asks a few dozen)."""
    if len(cache) >= size:
        cache.pop(next(iter(cache)))
    cache[key] = value


def _headings(profile: Profile) -> set[str]:
    """Heading lines of the profile's files, as a model copying them would write them."""
    found = set()
    for text in (profile.resume, profile.job_description, profile.notes, *profile.stories):
        for line in text.splitlines():
            bare = re.sub(r"[*#_`>]+", " ", line).strip(" .:-\t")
            if not bare or len(bare) > 60:
                continue
            letters = [c for c in bare if c.isalpha()]
            if line.lstrip().startswith("#") or (letters and all(c.isupper() for c in letters)) or line.rstrip().endswith(":"):
                found.add(bare.lower())
    return found


def _is_style(text: str) -> bool:
    from firstword.grounding.compose import STYLE_NOTE

    body = text.split(":", 1)[-1].strip() if ":" in text[:40] else text
    return STYLE_NOTE.match(text) is not None or STYLE_NOTE.match(body) is not None


@dataclass
class _Watch:
    question: str
    turn: int | None
    # The grounded opening the answer starts with: the person's own material in fixed glue
    # (firstword.grounding.compose), not the model's words, so not judged. None until the first
    # judgement works it out (``AnswerCritic._judge``).
    trusted: str | None = None
    stream: SentenceStream = field(default_factory=SentenceStream)
    earlier: list[str] = field(default_factory=list)
    corrected: bool = False
    persona: str | None = None
    # The question a follow-up was answered about (``AnswerStarted.follows``).
    follows: str | None = None
    # What the answer may also draw on besides the profile (a tool's result the persona read).
    evidence: str = ""

    @property
    def asked(self) -> str:
        return f"{self.question}\n{self.evidence}" if self.evidence else self.question


# A complete sentence is judged this long after the delta that completed it, so that the delta
# has left the server first. Measured with `bench prefetch` on the held-out interview g02 (long
# questions, a long profile): a prepared answer's first word reached the client 13-20 ms after
# the question when judged two loop hops later, 6-7 ms at 5 ms, 5-9 ms at 15 ms; with no judging
# at all, 7-8 ms. A retraction comes that much later (28 ms p50 before, against 500 ms p95).
JUDGE_AFTER_S = 0.005


class AnswerCritic:
    """Follows one session's answers through its event log and retracts what it flags."""

    def __init__(
        self,
        publish: Callable[[Payload, int | None], Event],
        critic: Callable[[], ProfileCritic],
        *,
        clock: Callable[[], float] = time.monotonic,
        on_checked: Callable[[Checked], None] | None = None,
        critic_for_persona: Callable[[str], ProfileCritic] | None = None,
    ) -> None:
        """``critic_for_persona``: where answers name their persona (the board room), the critic
        of that persona's instructions; otherwise ``critic``."""
        self._publish = publish
        self._critic_default = critic
        self._critic_for_persona = critic_for_persona
        self._clock = clock
        self._on_checked = on_checked
        self._answers: dict[int, _Watch] = {}
        self.enabled = True

    def listener(self, event: Event) -> None:
        """``EventLog.add_listener`` target: notes, never waits, never raises."""
        if not self.enabled:
            return
        try:
            self._take(event)
        except Exception:  # a malformed event must not take the log down with it
            log.exception("critic: could not read event %d (%s)", event.seq, event.type)

    def _critic(self, persona: str | None = None) -> ProfileCritic:
        if persona is not None and self._critic_for_persona is not None:
            return self._critic_for_persona(persona)
        return self._critic_default()

    def trust(self, answer_id: int, opening: str) -> None:
        """The answer opens with ``opening``, words that are not the model's (a tool's own
        account): they are not judged, as the copilot's grounded opening is not."""
        watch = self._answers.get(answer_id)
        if watch is not None and not watch.stream.text:
            watch.trusted = opening

    def add_evidence(self, answer_id: int, text: str) -> None:
        """Material the answer may rightly draw on (a tool's result): its sentences are judged
        against it as well as against the profile."""
        watch = self._answers.get(answer_id)
        if watch is not None and text:
            watch.evidence = f"{watch.evidence}\n{text}" if watch.evidence else text

    def _take(self, event: Event) -> None:
        kind = event.type
        if kind == EventType.ANSWER_STARTED:
            started = event.payload(AnswerStarted)
            # The grounded opening is worked out at the first judgement, not here: this runs inside
            # the publish of ``answer.started``, before an answer prepared ahead sends its first
            # word, and grounding a long question took ~6 ms of that word's ~10 (bench prefetch).
            self._answers[started.answer_id] = _Watch(
                started.question, event.turn, persona=started.persona, follows=started.follows
            )
        elif kind == EventType.ANSWER_DELTA:
            delta = event.payload(AnswerDelta)
            watch = self._answers.get(delta.answer_id)
            if watch is not None:
                self._schedule(delta.answer_id, watch, watch.stream.feed(delta.text))
        elif kind == EventType.ANSWER_DONE:
            done = event.payload(AnswerDone)
            watch = self._answers.pop(done.answer_id, None)
            if watch is not None:
                self._schedule(done.answer_id, watch, watch.stream.finish(done.text))
        elif kind == EventType.ANSWER_CANCELLED:
            # What it showed stays on screen as cancelled; sentences already complete were judged.
            self._answers.pop(event.payload(AnswerCancelled).answer_id, None)

    def _schedule(self, answer_id: int, watch: _Watch, sentences: list[Sentence]) -> None:
        if not sentences:
            return
        completed_at = self._clock()
        # After the readers have sent the delta that brought the sentence: listeners run before
        # the log wakes its readers (``hub.log``), and a WebSocket reader takes several turns of
        # the loop to write it, so judging even two hops later held a whole prepared answer (a
        # prefetch hit, 5-10 sentences in one delta) behind its own judgement (``JUDGE_AFTER_S``).
        loop = asyncio.get_running_loop()
        loop.call_later(JUDGE_AFTER_S, self._judge, answer_id, watch, sentences, completed_at)

    def _judge(self, answer_id: int, watch: _Watch, sentences: list[Sentence], completed_at: float) -> None:
        try:
            critic = self._critic(watch.persona)
            if watch.trusted is None:
                watch.trusted = critic.opening(watch.question, watch.follows)
            trusted = len(watch.trusted) if watch.trusted and watch.stream.text.startswith(watch.trusted) else 0
            for sentence in sentences:
                if sentence.end <= trusted:
                    watch.earlier.append(sentence.text)
                    continue
                judgement = critic.judge(sentence.text, watch.asked, watch.earlier, reported=bool(watch.evidence))
                watch.earlier.append(sentence.text)
                if self._on_checked is not None:
                    self._on_checked(Checked(answer_id, sentence, judgement, completed_at, self._clock()))
                if judgement.flagged:
                    self._retract(critic, answer_id, watch, sentence, judgement)
        except RuntimeError:
            pass  # the session closed meanwhile: its log takes no more events
        except Exception:
            log.exception("critic: judging answer %d failed", answer_id)

    def _retract(
        self, critic: ProfileCritic, answer_id: int, watch: _Watch, sentence: Sentence, judgement: Judgement
    ) -> None:
        self._publish(
            AnswerRetracted(
                answer_id=answer_id,
                start=sentence.start,
                end=sentence.end,
                reason=REASONS[judgement.verdict],
                evidence=judgement.evidence,
            ),
            watch.turn,
        )
        if watch.corrected:
            return  # one correction per answer: a second retraction is only struck through
        # A correction is the person's own sentence: only for answers said as theirs.
        grounded = watch.persona is None or is_grounded(watch.persona)
        replacement = critic.correction(watch.question, watch.stream.text) if grounded else None
        if replacement is not None:
            watch.corrected = True
            self._publish(
                AnswerCorrected(answer_id=answer_id, text=replacement, start=sentence.start, end=sentence.end),
                watch.turn,
            )
