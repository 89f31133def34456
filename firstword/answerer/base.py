"""The answerer stage's interface, as the turn manager sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol


class AnswerSource(Protocol):
    def stream(self, question: str) -> AsyncIterator[str]:
        """The answer's text, delta by delta. Closing the iterator (or cancelling the task that
        reads it) stops the model. Raises ``firstword.llm.base.LlmError``."""
        ...
