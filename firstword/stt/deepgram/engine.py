"""The Deepgram engine: a ``StreamingEngine`` (each session gets a ``DeepgramTranscriber`` with
its own live connection) that still satisfies ``SpeechToTextEngine``.

Whole-audio decodes (``decode`` / ``decode_offline``: benchmarks, replays) are the fallback local
engine's when one is configured (``stt.deepgram.fallback = "whisper"``); without one they raise,
saying so: Deepgram's pre-recorded API is not used, so that one key and one billing path stay
the live stream's.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from pydantic import SecretStr

from firstword.audio.buffer import AudioBuffer
from firstword.config import SttConfig
from firstword.stt.base import Decoded, SpeechToTextEngine, Transcriber
from firstword.stt.deepgram.live import DeepgramLive
from firstword.stt.deepgram.transcriber import DeepgramTranscriber
from firstword.stt.streaming import FinalTranscript, InterimTranscript, StreamingTranscriber

if TYPE_CHECKING:
    from firstword.stt.scheduler import DecodeScheduler


class NoLocalDecoder(RuntimeError):
    """A whole-audio decode was asked of the Deepgram engine, which has no local engine."""


class DeepgramEngine:
    name = "deepgram"

    def __init__(
        self, config: SttConfig, api_key: SecretStr, *, fallback: SpeechToTextEngine | None = None
    ) -> None:
        self._config = config
        self._live = DeepgramLive(config.deepgram, api_key)
        self._fallback = fallback

    @property
    def fallback(self) -> SpeechToTextEngine | None:
        """The local engine a session falls back on (and whole-audio decodes use), if any."""
        return self._fallback

    # -- StreamingEngine ----------------------------------------------------------------------

    def open_transcriber(
        self,
        buffer: AudioBuffer,
        config: SttConfig,
        *,
        on_interim: Callable[[InterimTranscript], None],
        on_forced_final: Callable[[FinalTranscript], None],
        on_error: Callable[[str], None] | None = None,
        executor: concurrent.futures.Executor | None = None,
        decoder: DecodeScheduler | None = None,
    ) -> DeepgramTranscriber:
        """One session's transcriber. ``on_error`` hears (once) why Deepgram was given up, in
        words fit for the session; ``executor`` / ``decoder`` are for the local fallback."""
        fallback: Callable[[], Transcriber] | None = None
        local = self._fallback
        if local is not None:

            def fallback() -> Transcriber:
                # The node's shared decoder only when the front end has one to give.
                shared = {"decoder": decoder} if decoder is not None else {}
                return StreamingTranscriber(
                    local, buffer, config, on_interim=on_interim, on_forced_final=on_forced_final,
                    executor=executor, **shared,
                )

        return DeepgramTranscriber(
            self._live, buffer, config, on_interim=on_interim, on_forced_final=on_forced_final,
            on_error=on_error, fallback=fallback,
        )

    # -- SpeechToTextEngine -------------------------------------------------------------------

    @property
    def max_audio_s(self) -> float:
        if self._fallback is not None:
            return self._fallback.max_audio_s
        return self._config.max_segment_ms / 1000

    def decode(self, audio: np.ndarray, *, prompt: str | None = None) -> Decoded:
        return self._local().decode(audio, prompt=prompt)

    def decode_offline(self, audio: np.ndarray, *, word_timestamps: bool = False) -> Decoded:
        return self._local().decode_offline(audio, word_timestamps=word_timestamps)

    def close(self) -> None:
        # Sessions close their own connections; the local engine holds the weights.
        if self._fallback is not None:
            self._fallback.close()

    def _local(self) -> SpeechToTextEngine:
        if self._fallback is None:
            raise NoLocalDecoder(
                "stt.engine = 'deepgram' transcribes live streams only; a whole-audio decode "
                "(a benchmark, a replay) needs the local engine: set stt.deepgram.fallback = 'whisper'"
            )
        return self._fallback
