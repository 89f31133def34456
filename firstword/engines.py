"""The process-wide engines, built once from settings through each stage's factory.

The STT and LLM engines are shared (their weights are loaded once); each session gets its own
VAD instance from ``vad_factory`` because a streaming VAD carries state between chunks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from firstword.config import Settings
from firstword.endpointing.base import VoiceActivityModel
from firstword.llm.base import LlmEngine
from firstword.stt.base import SpeechToTextEngine
from firstword.stt.scheduler import DecodeScheduler
from firstword.tts.base import TtsEngine

log = logging.getLogger(__name__)


@dataclass
class Engines:
    vad_factory: Callable[[], VoiceActivityModel]
    stt: SpeechToTextEngine
    llm: LlmEngine
    load_ms: dict[str, float] = field(default_factory=dict)
    # Nova's voice (practice mode); None: text only. Loaded on the first practice session.
    tts: TtsEngine | None = None
    # Every session's local speech decodes, queued by priority (firstword.stt.scheduler); made
    # by the session registry. None for an engine that streams by itself (Deepgram).
    decoder: DecodeScheduler | None = None
    _closed: bool = field(default=False, init=False, repr=False)

    @property
    def vad_name(self) -> str:
        """A ``VadFactory``'s engine name, else the name of what makes the instances (a class,
        as tests pass)."""
        made_by = self.vad_factory
        return str(getattr(made_by, "name", None) or getattr(made_by, "__name__", type(made_by).__name__))

    def describe(self) -> dict[str, str]:
        return {"vad": self.vad_name, "stt": self.stt.name, "llm": self.llm.name,
                "tts": self.tts.name if self.tts is not None else "none"}

    async def aclose(self) -> None:
        """Close the LLM and the STT engine, once; a failure of one is logged and the other is
        still closed. The VAD holds nothing process-wide to release."""
        if self._closed:
            return
        self._closed = True
        try:
            await self.llm.aclose()
        except Exception:
            log.exception("closing the %s LLM engine failed", self.llm.name)
        if self.tts is not None:
            try:
                await self.tts.aclose()
            except Exception:
                log.exception("closing the %s TTS engine failed", self.tts.name)
        if self.decoder is not None:
            await asyncio.to_thread(self.decoder.close)
        try:
            # Whisper's close waits (up to 2 s) for a decode still counted as running.
            await asyncio.to_thread(self.stt.close)
        except Exception:
            log.exception("closing the %s STT engine failed", self.stt.name)


def load_engines(settings: Settings) -> Engines:
    """Load the configured engines (blocking: model files are read and mapped)."""
    from firstword.endpointing.factory import create_vad_factory
    from firstword.llm.factory import create_llm
    from firstword.stt.factory import create_stt

    load_ms: dict[str, float] = {}
    t = time.perf_counter()
    vad_factory = create_vad_factory(settings.endpointing)
    load_ms["vad"] = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    stt = create_stt(settings.stt)
    load_ms["stt"] = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    try:
        llm = create_llm(settings.llm)
    except Exception:
        stt.close()  # nothing else will: the caller never gets the Engines
        raise
    load_ms["llm"] = (time.perf_counter() - t) * 1000
    return Engines(vad_factory=vad_factory, stt=stt, llm=llm, load_ms=load_ms, tts=_tts_or_none(settings))


def _tts_or_none(settings: Settings) -> TtsEngine | None:
    """The configured voice, not loaded yet (it loads with the first practice session); None
    where no engine can speak: practice mode then runs in text and says so in the log."""
    from firstword.tts.base import TtsError
    from firstword.tts.factory import create_tts

    try:
        tts = create_tts(settings.tts)
    except TtsError as exc:
        log.warning("no voice for practice mode (text only): %s", exc)
        return None
    return None if tts.name == "none" else tts


async def load_engines_async(settings: Settings) -> Engines:
    return await asyncio.to_thread(load_engines, settings)
