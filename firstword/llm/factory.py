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
    if config.engine == "scripted":
        import re

        from firstword.llm.scripted import ScriptedLlm

        words = re.findall(r"\s*\S+", config.scripted.text)
        return ScriptedLlm(
            reply=words,
            ttft_s=config.scripted.ttft_ms / 1000,
            interval_s=1.0 / config.scripted.tokens_per_s,
            capacity=config.scripted.capacity,
        )
    raise ValueError(f"unknown LLM engine {config.engine!r} (expected 'local', 'openai' or 'scripted')")
