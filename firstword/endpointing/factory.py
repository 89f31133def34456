"""Builds the configured VAD engine: one fresh instance per audio stream.

A streaming VAD carries state from chunk to chunk (Silero's LSTM state, WebRTC's noise estimate
and hangover), so every session and every audio source gets its own; what is shared (Silero's
ONNX session, cached in ``firstword.endpointing.silero``) is loaded once by the first instance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from firstword.config import EndpointingConfig
from firstword.endpointing.base import VoiceActivityModel


class VadLoadError(RuntimeError):
    """The configured VAD engine cannot be loaded; the message names the engine and the fix."""


@dataclass(frozen=True, slots=True)
class VadFactory:
    """Callable that returns a new ``VoiceActivityModel`` of the engine ``name``."""

    name: str
    make: Callable[[], VoiceActivityModel]

    def __call__(self) -> VoiceActivityModel:
        return self.make()


def create_vad_factory(config: EndpointingConfig) -> VadFactory:
    """The engine named by ``config.engine``; heavy imports happen only for the one chosen.

    One instance is made here and thrown away, so a missing model or module fails at start-up
    with a ``VadLoadError`` rather than when the first session opens.
    """
    if config.engine == "silero":
        try:
            from firstword.endpointing.silero import SileroVad, SileroVadError

            SileroVad()
        except (ImportError, SileroVadError) as exc:
            raise VadLoadError(
                f"endpointing.engine = 'silero' cannot load its model: {exc}. Install "
                "faster-whisper (it ships silero_vad_v6.onnx), or set endpointing.engine = 'webrtc'"
            ) from exc
        return VadFactory("silero", SileroVad)
    if config.engine == "webrtc":
        from firstword.endpointing.webrtc import WebRtcVad, WebRtcVadError

        mode = config.webrtc_mode
        try:
            WebRtcVad(mode)
        except WebRtcVadError as exc:
            raise VadLoadError(str(exc)) from exc
        return VadFactory("webrtc", lambda: WebRtcVad(mode))
    raise ValueError(
        f"unknown endpointing engine {config.engine!r} (expected 'silero' or 'webrtc')"
    )
