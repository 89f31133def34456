"""Predicting the end of a turn at each pause, from what is at hand when the voice stops.

One fixed silence cannot be quick after "...for us?" and patient after "...a time when you had
to,". So each pause gets a probability that the turn is over, from three kinds of evidence, all
computed from what the pipeline already holds when the pause's transcript arrives (well under
10 ms on two cores; ``firstword bench turn-end`` measures it):

- **the words**: the pause's transcript ends a question ("?"), a sentence, an open clause or a
  filler; its last sentence opens like a question or a request ("what", "can you", "tell me");
- **the prosody** of the voice's last ~1.5 s: the pitch's slope over the final 400 ms and its
  fall against the speaker's own level (a statement falls; a list item or a held clause stays
  up), the energy decaying into the pause, and how long the last voiced stretch lasted (a final
  syllable lengthens);
- **this speaker's pauses**: the longest pause they already came back from in this turn (a
  reader who pauses at every comma will pause again).

The words and the prosody are combined by a logistic regression fitted on labelled pauses
(``firstword bench turn-end``, weights in ``data/turn_end.json``, a few hundred bytes); the
probability then picks one of three silences (``TurnEndConfig``): short when the turn is surely
over, the old sentence wait when unsure, long when the turn surely goes on. The speaker's pauses
act through a readable rule the model cannot overrule: a pause is not over before it outlasts
the longest pause this speaker came back from in this turn (plus a margin), up to a ceiling.

Hand-written rather than a library: pitch by autocorrelation over a dozen frames and a dot
product are a few lines of numpy; a toolkit (librosa, scikit-learn) would add a heavy dependency
for what runs once per pause.
"""

from __future__ import annotations

import json
import warnings
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from firstword.audio.format import SAMPLE_RATE
from firstword.config import EndpointingConfig, TurnEndConfig
from firstword.endpointing.interviewer import cue_of
from firstword.endpointing.semantic import CONTINUATION_WORDS

MODEL_PATH = Path(__file__).with_name("data") / "turn_end.json"

FEATURES: tuple[str, ...] = (
    "question_mark",
    "sentence_end",
    "open_end",
    "filler_end",
    "asks",
    "complete_question",
    "words_last",
    "pitch_slope",
    "pitch_fall",
    "energy_slope",
    "final_run",
)

# Frames for pitch and energy: 32 ms long, every 16 ms (a syllable spans several).
FRAME = 512
HOP = 256
TAIL_MS = 1500  # audio before the voice's end that the prosody reads
SLOPE_MS = 400  # the final stretch whose pitch slope counts
ENERGY_MS = 300
F0_MIN, F0_MAX = 60.0, 400.0
VOICING = 0.5  # normalised autocorrelation above which a frame is voiced

_CLOSERS = "\"')]»”’"
_SENTENCES = re.compile(r"(?<=[.!?])\s+")
_WORDS = re.compile(r"[a-z0-9']+")
_FILLERS = frozenset("um umm uh uhh uhm er erm ah eh hmm hm mm".split())
# The openings of a question or a request to speak: what an interviewer's turn ends with.
_ASKS = re.compile(
    r"^\W*(?:(?:so|and|okay|ok|now|well|then|also|but)\W+)*(?:"
    r"what|why|how|when|where|which|who|whose|whom|"
    r"can|could|would|will|do|does|did|is|are|was|were|have|has|had|should|shall|may|might|"
    r"tell|walk|describe|explain|give|talk|share|take|name|imagine|suppose|say"
    r")\b"
)


@dataclass(frozen=True, slots=True)
class PauseContext:
    """What is known about a pause: its transcript, the audio before it, the speaker's pauses."""

    text: str
    tail: np.ndarray  # 16 kHz float32, ending at the last voiced sample (up to TAIL_MS of it)
    resumed_ms: tuple[float, ...] = ()  # this turn's earlier pauses the speaker came back from
    habit_ms: tuple[float, ...] = ()  # per earlier turn, the longest held pause in it (0: none)


# ----- the words -----------------------------------------------------------------------------


def _last_sentence(text: str) -> str:
    parts = [p for p in _SENTENCES.split(text.strip()) if p.strip()]
    return parts[-1] if parts else ""


def text_features(text: str) -> dict[str, float]:
    stripped = text.rstrip().rstrip(_CLOSERS).rstrip()
    last = _last_sentence(stripped).lower()
    words = _WORDS.findall(last)
    final_char = stripped[-1] if stripped else ""
    last_word = words[-1] if words else ""
    open_end = (final_char != "" and final_char in ",;:-–—") or stripped.endswith(("...", "…")) or (
        final_char not in ".?!" and last_word in CONTINUATION_WORDS
    )
    filler = last_word in _FILLERS
    # Whisper writes "to." at a cut: a sentence that ends on a word no sentence ends on is open.
    if final_char != "" and final_char in ".!?" and last_word in CONTINUATION_WORDS and last_word not in _FILLERS:
        open_end = True
    return {
        "question_mark": float(final_char == "?"),
        "sentence_end": float(final_char != "" and final_char in ".!" and not open_end),
        "open_end": float(open_end and not filler),
        "filler_end": float(filler),
        "asks": float(bool(_ASKS.match(last))),
        "complete_question": float(bool(_ASKS.match(last)) and final_char in ".?!" and not open_end),
        "words_last": math.log1p(len(words)) / 3.0,
    }


# ----- the prosody ---------------------------------------------------------------------------


def _frames(audio: np.ndarray) -> np.ndarray:
    if len(audio) < FRAME:
        return np.zeros((0, FRAME), dtype=np.float32)
    count = 1 + (len(audio) - FRAME) // HOP
    # The frames end at the audio's end, so the last one touches the voice's last sample.
    offset = len(audio) - (FRAME + (count - 1) * HOP)
    index = offset + np.arange(FRAME)[None, :] + HOP * np.arange(count)[:, None]
    return audio[index]


def pitch_track(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(f0 in Hz or nan per frame, energy in dB per frame) by normalised autocorrelation."""
    frames = _frames(np.asarray(audio, dtype=np.float32))
    if not len(frames):
        return np.zeros(0), np.zeros(0)
    frames = frames - frames.mean(axis=1, keepdims=True)
    energy = np.sqrt(np.mean(frames**2, axis=1)) + 1e-9
    spectrum = np.fft.rfft(frames * np.hanning(FRAME), n=2 * FRAME, axis=1)
    acf = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, :FRAME]
    acf = acf / np.maximum(acf[:, :1], 1e-12)
    lo, hi = int(SAMPLE_RATE / F0_MAX), int(SAMPLE_RATE / F0_MIN)
    window = acf[:, lo:hi]
    lag = np.argmax(window, axis=1) + lo
    peak = window[np.arange(len(window)), lag - lo]
    # The window's taper lowers the autocorrelation at long lags; correct for it (Boersma 1993).
    taper = np.fft.irfft(np.abs(np.fft.rfft(np.hanning(FRAME), n=2 * FRAME)) ** 2)[:FRAME]
    taper = taper / taper[0]
    strength = peak / np.maximum(taper[lag], 1e-6)
    loud = 20 * np.log10(energy)
    voiced = (strength >= VOICING) & (loud > loud.max() - 25)
    f0 = np.where(voiced, SAMPLE_RATE / lag, np.nan)
    return f0, loud


def _slope(y: np.ndarray, step_s: float) -> float:
    ok = ~np.isnan(y)
    if ok.sum() < 3:
        return 0.0
    x = np.arange(len(y))[ok] * step_s
    return float(np.polyfit(x, y[ok], 1)[0])


def prosody_features(tail: np.ndarray) -> dict[str, float]:
    f0, loud = pitch_track(tail[-int(SAMPLE_RATE * TAIL_MS / 1000) :])
    step = HOP / SAMPLE_RATE
    if not len(f0) or np.isnan(f0).all():
        return {"pitch_slope": 0.0, "pitch_fall": 0.0, "energy_slope": 0.0, "final_run": 0.0}
    semitones = 12 * np.log2(f0 / np.nanmedian(f0))
    # Autocorrelation halves or doubles the pitch now and then (octave errors): a frame more than
    # 7 semitones from the speaker's median is dropped, and the rest smoothed over 3 frames.
    semitones[np.abs(semitones) > 7] = np.nan
    if np.isnan(semitones).all():
        return {"pitch_slope": 0.0, "pitch_fall": 0.0, "energy_slope": 0.0, "final_run": 0.0}
    padded = np.concatenate([[np.nan], semitones, [np.nan]])
    windows = np.stack([padded[:-2], padded[1:-1], padded[2:]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-nan windows give nan, as wanted
        smoothed = np.where(np.isnan(semitones), np.nan, np.nanmedian(windows, axis=0))
    semitones = smoothed
    last = int(SLOPE_MS / 1000 / step)
    slope = _slope(semitones[-last:], step)  # semitones per second
    voiced = semitones[~np.isnan(semitones)]
    fall = float(np.median(voiced[-3:]))  # against the speaker's median over the tail
    energy = _slope(loud[-int(ENERGY_MS / 1000 / step) :], step)  # dB per second
    run = 0
    for value in f0[::-1]:
        if np.isnan(value):
            if run:
                break
            continue
        run += 1
    return {
        "pitch_slope": float(np.clip(slope, -40, 40)) / 20.0,
        "pitch_fall": float(np.clip(fall, -12, 12)) / 6.0,
        "energy_slope": float(np.clip(energy, -200, 200)) / 100.0,
        "final_run": min(run * step * 1000, 600) / 300.0,
    }


def features(context: PauseContext) -> dict[str, float]:
    """The model's inputs. The speaker's earlier pauses are not among them: they act through a
    rule one can read (``TurnEndPredictor``), not a weight."""
    return {**text_features(context.text), **prosody_features(context.tail)}


def vector(values: dict[str, float]) -> np.ndarray:
    return np.array([values[name] for name in FEATURES], dtype=np.float64)


# ----- the model and the policy --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TurnEndModel:
    """Logistic regression: P(turn over) = sigmoid(bias + weights . features)."""

    bias: float
    weights: tuple[float, ...]
    meta: dict[str, Any] | None = None

    def probability(self, values: dict[str, float]) -> float:
        z = self.bias + float(np.dot(self.weights, vector(values)))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "bias": round(self.bias, 5),
            "weights": [round(w, 5) for w in self.weights],
            **({"meta": self.meta} if self.meta else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TurnEndModel:
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"turn-end model features {data['features']} are not {list(FEATURES)}")
        return cls(float(data["bias"]), tuple(float(w) for w in data["weights"]), data.get("meta"))


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> TurnEndModel:
    return TurnEndModel.from_json(json.loads(Path(path).read_text()))


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50) -> tuple[float, np.ndarray]:
    """Newton's method (IRLS) with an L2 penalty on the weights (not the bias)."""
    n, d = x.shape
    design = np.hstack([np.ones((n, 1)), x])
    beta = np.zeros(d + 1)
    penalty = np.eye(d + 1) * l2
    penalty[0, 0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -30, 30)))
        gradient = design.T @ (p - y) + penalty @ beta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return float(beta[0]), beta[1:]


@dataclass(frozen=True, slots=True)
class TurnEndDecision:
    probability: float
    model_ms: int  # the silence the probability picks
    wait_ms: int  # after the speaker rule


class TurnEndPredictor:
    """The silence a pause must last to end the turn (``endpointing.turn_end = "predictive"``)."""

    def __init__(self, config: EndpointingConfig, model: TurnEndModel | None = None) -> None:
        self._config: TurnEndConfig = config.turn_end
        self._model = model or load_model()

    def decide(self, context: PauseContext) -> TurnEndDecision:
        return self.decide_from(features(context), context.resumed_ms, context.text, context.habit_ms)

    def decide_from(self, values: dict[str, float], resumed_ms: tuple[float, ...], text: str = "",
                    habit_ms: tuple[float, ...] = ()) -> TurnEndDecision:
        return self.decide_from_probability(self._model.probability(values), resumed_ms, text, habit_ms)

    def decide_from_probability(self, p: float, resumed_ms: tuple[float, ...], text: str = "",
                                habit_ms: tuple[float, ...] = ()) -> TurnEndDecision:
        c = self._config
        if p >= c.sure_end:
            model_ms = c.short_ms
        elif p >= c.likely_end:
            model_ms = c.medium_ms
        else:
            model_ms = c.long_ms
        wait = model_ms
        # Only pauses long enough to have ended a turn count: a breath inside a question does not.
        held = self._held(resumed_ms)
        if held and (p < c.sure_end or not c.sure_overrides_speaker):
            wait = max(wait, self._outlast(held))
        habit = self._habit(habit_ms)
        if habit:
            wait = max(wait, self._outlast(habit))
        # A speaker searching for words ("um", "So.") or in the middle of a list ("first, ...")
        # is given hesitation_ms whatever the model says: the cues of the interviewer's wait.
        if text and cue_of(text) in ("filler", "list"):
            wait = max(wait, c.hesitation_ms)
        return TurnEndDecision(p, model_ms, wait)

    def _habit(self, habit_ms: tuple[float, ...]) -> list[float]:
        """The held pauses of the speaker's last speaker_habit_memory turns, if pausing inside a
        turn is their habit: in at least speaker_habit_pauses of those turns, and in at least
        speaker_habit_share of them (one early pause is not a habit ten turns later); else none."""
        c = self._config
        if c.speaker_habit_pauses <= 0:
            return []
        window = habit_ms[-c.speaker_habit_memory :]
        held = self._held(window)
        return held if len(held) >= c.speaker_habit_pauses and len(held) >= c.speaker_habit_share * len(window) else []

    def _held(self, pauses: tuple[float, ...]) -> list[float]:
        """The pauses long enough to have ended a turn (a breath does not count); none when the
        speaker rule is off."""
        c = self._config
        return [ms for ms in pauses if ms >= c.speaker_min_pause_ms] if c.speaker_margin_ms >= 0 else []

    def _outlast(self, held: list[float]) -> int:
        """The silence that outlasts the longest of ``held`` by the margin, up to the ceiling."""
        c = self._config
        return min(int(max(held)) + c.speaker_margin_ms, c.speaker_ceiling_ms)
