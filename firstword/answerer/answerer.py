"""One session's answerer: keeps the persona + profile prefix warm and streams answers."""

from __future__ import annotations

from collections.abc import AsyncIterator

from firstword.answerer.profile import Profile
from firstword.answerer.prompt import answer_messages, system_message
from firstword.config import AnswerConfig, LlmConfig
from firstword.llm.base import LlmEngine


class Answerer:
    def __init__(self, llm: LlmEngine, answer_config: AnswerConfig, llm_config: LlmConfig, profile: Profile) -> None:
        self._llm = llm
        self._answer_config = answer_config
        self._llm_config = llm_config
        self.profile = profile
        self.persona = answer_config.persona

    @property
    def engine_name(self) -> str:
        return self._llm.name

    async def warm(self) -> None:
        await self._llm.warm(
            [system_message(self.persona, self.profile, self._answer_config.max_profile_chars)]
        )

    async def set_profile(self, profile: Profile) -> None:
        self.profile = profile
        await self.warm()

    def stream(self, question: str) -> AsyncIterator[str]:
        messages = answer_messages(
            self.persona,
            self.profile,
            question,
            max_profile_chars=self._answer_config.max_profile_chars,
            max_question_words=self._answer_config.max_question_words,
        )
        return self._llm.stream(
            messages, max_tokens=self._llm_config.max_tokens, temperature=self._llm_config.temperature
        )
