"""The process-wide engines, built once from settings and shared by every session.

The STT and LLM engines are shared (their weights are loaded once); each session gets its own
VAD instance because a streaming VAD carries state between chunks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from firstword.config import Settings
from firstword.endpointing.base import VoiceActivityModel
from firstword.llm.base import LlmEngine
from firstword.stt.base import SpeechToTextEngine


@dataclass
class Engines:
    vad_factory: Callable[[], VoiceActivityModel]
    stt: SpeechToTextEngine
    llm: LlmEngine
    load_ms: dict[str, float] = field(default_factory=dict)

    def describe(self) -> dict[str, str]:
        return {"vad": "silero", "stt": self.stt.name, "llm": self.llm.name}

    async def aclose(self) -> None:
        await self.llm.aclose()


def load_engines(settings: Settings) -> Engines:
    """Load the configured engines (blocking: model files are read and mapped)."""
    from firstword.endpointing.silero import SileroVad
    from firstword.llm.factory import create_llm
    from firstword.stt.whisper_ct2 import WhisperCt2Engine

    load_ms: dict[str, float] = {}
    t = time.perf_counter()
    SileroVad()  # fail early, at start-up, if the VAD model cannot be loaded
    load_ms["vad"] = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    stt = WhisperCt2Engine(settings.stt)
    load_ms["stt"] = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    llm = create_llm(settings.llm)
    load_ms["llm"] = (time.perf_counter() - t) * 1000
    return Engines(vad_factory=SileroVad, stt=stt, llm=llm, load_ms=load_ms)


async def load_engines_async(settings: Settings) -> Engines:
    return await asyncio.to_thread(load_engines, settings)
