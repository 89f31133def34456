"""Builds the configured LLM engine."""

from __future__ import annotations

from firstword.config import LlmConfig
from firstword.llm.base import LlmEngine


def create_llm(config: LlmConfig) -> LlmEngine:
    """The engine named by ``config.engine``; heavy imports happen only for the one chosen."""
    if config.engine == "local":
        from firstword.llm.llama_local import LocalLlamaEngine

        return LocalLlamaEngine(config.local)
    if config.engine == "openai":
        from firstword.llm.openai_compat import OpenAiCompatEngine

        return OpenAiCompatEngine(config.openai)
    raise ValueError(f"unknown LLM engine {config.engine!r} (expected 'local' or 'openai')")
