"""Silero VAD (v6, ONNX) as a streaming ``VoiceActivityModel``.

The model file ships inside the installed ``faster_whisper`` package, so nothing is downloaded.
The network takes 512 new samples at 16 kHz plus the 64 samples that preceded them (its context)
and an LSTM state (h, c); carrying that state from call to call is what makes it streaming.
Fed the same audio, the streaming path and the batch path (``score``) give identical scores.
"""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path

import numpy as np
import onnxruntime

from firstword.audio.format import SAMPLE_RATE

CHUNK_SAMPLES = 512
CONTEXT_SAMPLES = 64
_STATE_SHAPE = (1, 1, 128)
# The model treats the batch axis of one call as consecutive chunks of one stream (its LSTM state
# has batch 1), so a whole recording is scored in a few calls; this bounds the input per call.
_BATCH_CHUNKS = 10_000


class SileroVadError(RuntimeError):
    pass


def bundled_model_path() -> Path:
    """The Silero VAD ONNX file shipped with faster-whisper."""
    try:
        path = Path(str(files("faster_whisper").joinpath("assets", "silero_vad_v6.onnx")))
    except ModuleNotFoundError as exc:
        raise SileroVadError("faster-whisper is not installed; it ships the Silero VAD model") from exc
    if not path.is_file():
        raise SileroVadError(
            f"{path} not found: the installed faster-whisper does not ship silero_vad_v6.onnx"
        )
    return path


@functools.lru_cache(maxsize=4)
def _session(path: str) -> onnxruntime.InferenceSession:
    # One session per process is enough: run() is thread-safe and all per-stream state (h, c,
    # context) lives in SileroVad. One thread each, because STT and the LLM need the cores more.
    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.enable_cpu_mem_arena = False
    opts.log_severity_level = 4
    return onnxruntime.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])


class SileroVad:
    """Streaming Silero VAD: one ``speech_probability`` call per 512-sample chunk, in order."""

    chunk_samples: int = CHUNK_SAMPLES
    sample_rate: int = SAMPLE_RATE

    def __init__(self, model_path: str | Path | None = None) -> None:
        path = Path(model_path) if model_path is not None else bundled_model_path()
        if not path.is_file():
            raise SileroVadError(f"no Silero VAD model at {path}")
        self._session = _session(str(path.resolve()))
        # One preallocated input row: context followed by the new chunk.
        self._input = np.zeros((1, CONTEXT_SAMPLES + CHUNK_SAMPLES), dtype=np.float32)
        self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)

    def reset(self) -> None:
        self._input[:] = 0.0
        self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)

    def speech_probability(self, chunk: np.ndarray) -> float:
        if chunk.shape != (CHUNK_SAMPLES,):
            raise ValueError(f"Silero VAD scores chunks of {CHUNK_SAMPLES} samples, got {chunk.shape}")
        row = self._input[0]
        row[:CONTEXT_SAMPLES] = row[-CONTEXT_SAMPLES:]
        row[CONTEXT_SAMPLES:] = chunk
        prob, self._h, self._c = self._session.run(
            None, {"input": self._input, "h": self._h, "c": self._c}
        )
        return float(prob.reshape(-1)[0])

    def score(self, samples: np.ndarray) -> np.ndarray:
        """Scores of every whole chunk of ``samples`` from a fresh state (the streaming state is
        left untouched): ``result[k]`` is the score of ``samples[512k : 512(k+1)]``.

        A trailing partial chunk is not scored, as in streaming, where it would wait for more audio.
        """
        samples = np.asarray(samples, dtype=np.float32)
        if samples.ndim != 1:
            raise ValueError(f"expected mono samples, got shape {samples.shape}")
        n = len(samples) // CHUNK_SAMPLES
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        chunks = samples[: n * CHUNK_SAMPLES].reshape(n, CHUNK_SAMPLES)
        context = np.zeros((n, CONTEXT_SAMPLES), dtype=np.float32)
        context[1:] = chunks[:-1, -CONTEXT_SAMPLES:]
        rows = np.concatenate([context, chunks], axis=1)
        h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        c = np.zeros(_STATE_SHAPE, dtype=np.float32)
        out: list[np.ndarray] = []
        for i in range(0, n, _BATCH_CHUNKS):
            prob, h, c = self._session.run(None, {"input": rows[i : i + _BATCH_CHUNKS], "h": h, "c": c})
            out.append(prob.reshape(-1))
        return np.concatenate(out).astype(np.float32, copy=False)


def score_array(samples: np.ndarray, model_path: str | Path | None = None) -> np.ndarray:
    """Silero scores of every whole 512-sample chunk of 16 kHz ``samples`` (offline analysis)."""
    return SileroVad(model_path).score(samples)
