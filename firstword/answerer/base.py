"""The answerer stage's interface, as the turn manager sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol


class AnswerSource(Protocol):
    def stream(self, question: str, *, follows: str | None = None) -> AsyncIterator[str]:
        """The answer's text, delta by delta. Closing the iterator (or cancelling the task that
        reads it) stops the model. Raises ``firstword.llm.base.LlmError``. ``follows``: the
        question a follow-up points back to (``firstword.grounding.questions.follows_up``), whose
        topic it is answered about."""
        ...

    def settled(self, question: str, *, follows: str | None = None) -> str | None:
        """The whole answer to ``question``, where it is known at once without a model (the
        grounded opening and nothing after it); None where a model would write some of it.

        The turn manager keeps a shown answer when the speaker goes on only if this is, word
        for word, what is already on screen: the answer to the longer question is the same."""
        ...

    def tells(self, question: str, text: str, *, follows: str | None = None) -> bool:
        """Whether the answer to ``question`` is ``text`` word for word, told from the person's
        own material (not the guidance given where the profile covers nothing): an answer
        prepared for another wording of the question may then be shown for this one
        (``firstword.prefetch.match.Choice.confirm``)."""
        ...

    def read_ahead(self, question: str, *, follows: str | None = None) -> None:
        """Do now the work ``stream`` does before its first word (the copilot's grounding), so
        that ``stream`` for the same question starts from it; called while something else that
        must come first is worked out beside the loop (``firstword.prefetch.worker``)."""
        ...
