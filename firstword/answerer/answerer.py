"""One session's answerer: grounded first words from the person's own material, then (where the
model earns it) one sentence of the model's, prompted with the retrieved facts only.

The opening is composed deterministically (``firstword.grounding``), so the first word shown is
the person's own and comes in about a millisecond, before any model has prefilled a token. The
model then continues from the question, the facts retrieved for it and the opening; the critic
(``firstword.critic``) judges each of its sentences as they stream.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator

from firstword.answerer.personas import is_grounded
from firstword.answerer.profile import Profile
from firstword.answerer.prompt import continuation_messages, system_message
from firstword.config import AnswerConfig, LlmConfig
from firstword.grounding import Grounded, Grounding
from firstword.grounding.facts import Source
from firstword.grounding.questions import QuestionType
from firstword.llm.base import LlmEngine, Priority, text_of

# Where a sentence of the model's ends: its end mark followed by a space (or the stream's end).
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s")


class Answerer:
    def __init__(self, llm: LlmEngine, answer_config: AnswerConfig, llm_config: LlmConfig, profile: Profile) -> None:
        self._llm = llm
        self._answer_config = answer_config
        self._llm_config = llm_config
        self.profile = profile
        self.persona = answer_config.persona
        self.grounding = Grounding(profile)

    @property
    def engine_name(self) -> str:
        return self._llm.name

    @property
    def continues(self) -> bool:
        """Whether the model adds to the grounded opening (``answer.continuation``)."""
        mode = self._answer_config.continuation
        if mode != "auto":
            return mode == "stream"
        # The bundled 135M model invents in most sentences it adds (README, "Answers"); any
        # other model (a GGUF of your own, an OpenAI-compatible server) is trusted to try.
        return not (self._llm.name == "local" and not self._llm_config.local.model_path)

    async def warm(self) -> None:
        # LIVE: the next question's continuation waits on this prefix being in the cache.
        await self._llm.warm([system_message(self.persona)], priority=Priority.LIVE)

    async def set_profile(self, profile: Profile) -> None:
        self.profile = profile
        self.grounding = Grounding(profile)
        await self.warm()

    def ground(self, question: str, follows: str | None = None) -> Grounded:
        return self.grounding.ground(question, follows)

    def read_ahead(self, question: str, *, follows: str | None = None) -> None:
        # ``Grounding.ground`` keeps its last results: ``_answer`` finds this one there.
        self.ground(question, follows)

    def settled(self, question: str, *, follows: str | None = None) -> str | None:
        grounded = self.grounding.ground(question, follows)
        opening = self._opening(grounded)
        if not opening or self._should_continue(grounded, True):
            return None
        return opening

    def tells(self, question: str, text: str, *, follows: str | None = None) -> bool:
        return self.grounding.ground(question, follows).composition.grounded and self.settled(
            question, follows=follows) == text

    def stream(
        self, question: str, *, follows: str | None = None, priority: Priority = Priority.LIVE, own: str | None = None
    ) -> AsyncIterator[str]:
        """The answer's text; closing the iterator stops the model. ``own``: see
        ``Grounding.ground``."""
        return self._answer(question, follows, priority, own)

    async def _answer(self, question: str, follows: str | None, priority: Priority, own: str | None = None) -> AsyncIterator[str]:
        grounded = self.grounding.ground(question, follows, own=own)
        composition = grounded.composition
        opening = self._opening(grounded)
        if opening:
            yield opening
        if not self._should_continue(grounded, bool(opening)):
            return
        facts = [f for f in composition.context if f.source is not Source.JOB or not opening][: self._answer_config.max_facts]
        if not facts:
            facts = [s.fact for s in grounded.ranked[: self._answer_config.max_facts]]
        messages = continuation_messages(
            self.persona, question, facts, opening, max_question_words=self._answer_config.max_question_words
        )
        chunks = self._llm.stream(messages, sampling=self._llm_config.sampling, priority=priority)
        written = ""
        sentences = self._answer_config.continuation_sentences
        # Closed on every way out (the sentences are written, the turn cancels this answer):
        # closing the stream is what stops the model's worker and frees its context.
        async with contextlib.aclosing(text_of(chunks)) as texts:
            async for text in texts:
                if not written and opening:
                    text = " " + text.lstrip()
                    if text == " ":
                        continue
                written += text
                ends = list(_SENTENCE_END.finditer(written))
                if len(ends) >= sentences:
                    cut = ends[sentences - 1].end()
                    yield text[: max(0, len(text) - (len(written) - cut))].rstrip()
                    return
                yield text

    def _opening(self, grounded: Grounded) -> str:
        """The grounded first words, for a persona whose answers are said aloud as the person's."""
        return grounded.composition.opening if is_grounded(self.persona) else ""

    def _should_continue(self, grounded: Grounded, opened: bool) -> bool:
        if not opened:
            return True  # a persona that answers with the model alone
        if not self.continues or grounded.kind is QuestionType.NOT_A_QUESTION:
            return False
        # Without facts the model has nothing of the person's to add but guesses.
        return grounded.composition.grounded
