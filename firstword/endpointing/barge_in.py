"""Barge-in: the candidate talks over Nova, and she stops; a cough, an "mm-hm" or her own echo do not.

While Nova's reply plays in the browser, the candidate's microphone keeps streaming up. The
detector reads it chunk by chunk (512 samples, 32 ms: the Silero VAD's chunk) and decides:

- ``hold``: one stretch of the candidate's voice has ``hold_ms`` (96) of voiced chunks, at least
  half of them not Nova's echo: the integrator stops sending her audio at once (the decision comes
  out of the ``feed`` call whose chunk completes it; the detector's own work is about a
  millisecond a chunk). A hold is not yet heard: the page plays on through what it has queued
  (the voice's lead, 250 ms), so a hold that resumes within that lead never reaches the ear, and
  one that lasts is heard as her stopping ~350 ms after the voice began: about the ~300 ms of
  voice the rule asks for, with her frames stopped within ~0.1 s of the candidate's first word.
- ``barge_in``: the held stretch is still voiced ``backchannel_max_ms`` (600) after it began, or
  its quick transcript (``note_transcript``) holds a word that is not a backchannel: cancel the
  rest of her reply and listen.
- ``resume``: the held stretch fell silent (``gap_ms``) within ``backchannel_max_ms`` ("mm-hm",
  "yeah", "okay"), or its transcript is backchannel words only: she goes on where she was held.

A voiced chunk is one Silero scores over ``threshold`` (hysteresis down to ``neg_threshold``),
``min_snr_db`` above the microphone's noise floor and not spectrally flat like noise
(``max_flatness``). A cough is a short broadband burst: Silero scores noise bursts near zero, so
a cough holds nothing; a short sound it does call voice (a 250-ms slice of speech) holds her
frames and resumes them before the page has played out what it holds.

**Echo.** The browser cancels most of Nova's voice from the microphone, but some comes back, late
by the playback buffer, the room and the network (``echo_lag_ms``: 0-500 ms), and Silero calls it
speech. The detector is told what she plays (``note_playback``: her PCM16 at its own rate,
resampled to 16 kHz, placed on the detector's clock where it will play, behind what is queued)
and keeps band energies (16-ms hops, four bands in 200-3500 Hz, dB) of both sides. Each chunk:

1. the normalised cross-correlation of the two envelopes over the last ``echo_window_ms``, for
   every lag in the window, feeds a running score per lag (``path_rate``): the lag at which the
   microphone has followed her for a while is the echo path (``path_score``; a candidate's word
   that happens to start where one of hers did matches for a moment, not for a second);
2. with a path, her gain back to the microphone is learnt band by band where the window holds
   only echo, and a chunk is echo unless it carries ``echo_excess_db`` more energy than her
   playback at that lag (and the noise) explains: the candidate talking over her adds energy the
   echo does not, so double talk still counts as the candidate;
3. before a path has formed, during her first ``path_settle_ms`` of audio, voice that follows her
   envelope (``echo_ncc_settling``) is taken for echo: a barge-in over her first words comes a
   little late rather than her own voice stopping her. After that, no path means little of her
   comes back, and voice is the candidate's. With nothing of hers in the lag window, nothing is
   echo.

Measured with real speech as her voice and as the candidate's (``tests/test_barge_in.py``; a
wider sweep in the integration notes): her echo at -10 dB, 40-300 ms late, never held her; the
candidate's speech over her was held 0.3-0.4 s after its onset, barged in 0.6-0.7 s after.

Time comes from an injectable ``clock`` (seconds, monotonic); microphone audio is placed on it by
its arrival (``at``, default the clock's now). ``stats`` keeps counts and the slowest chunk.
"""

from __future__ import annotations

import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from firstword.audio.format import SAMPLE_RATE, pcm16_to_float32
from firstword.endpointing.base import VoiceActivityModel

CHUNK = 512  # analysis chunk: Silero's
HOP = 256  # envelope hop: 16 ms
HOP_S = HOP / SAMPLE_RATE
HOPS_PER_CHUNK = CHUNK // HOP
FLOOR_DB = -100.0
# The envelopes' bands (Hz): a voice's energy, little of the room's noise. Her echo is predicted
# band by band, so a room or a canceller that colours her voice does not make it look louder
# than predicted where it favours a band.
BANDS_HZ = ((200.0, 500.0), (500.0, 1200.0), (1200.0, 2400.0), (2400.0, 3500.0))
_HANN = np.hanning(CHUNK)
_BANDS = tuple(slice(int(lo * HOP / SAMPLE_RATE), int(hi * HOP / SAMPLE_RATE)) for lo, hi in BANDS_HZ)

# Words that acknowledge without taking the turn. A transcript of only these (and fillers) is a
# backchannel; anything else ("wait", "sorry", "can I") is an interruption.
BACKCHANNEL_WORDS = frozenset(
    """
    mm mhm mmhmm mmhm hmm hm mm-hm mm-hmm uh-huh uhhuh uh huh ah oh aha ahh ooh
    yeah yes yep yup ya yah right okay ok k sure cool nice great good wow true totally exactly
    absolutely definitely gotcha i see got it makes sense
    """.replace("-", " ").split()
)
_WORD = re.compile(r"[a-z0-9]+")


class Decision(StrEnum):
    HOLD = "hold"
    BARGE_IN = "barge_in"
    RESUME = "resume"


@dataclass(frozen=True, slots=True)
class BargeInConfig:
    """The detector's numbers. Measured by playing corpus speech as Nova (16 voices, and espeak-ng)
    into a simulated room (echo -10 or 0 dB, 40-300 ms late, a short reverberant tail, noise at -60
    or -45 dBFS) and corpus speech as the candidate (tests/test_barge_in.py builds the same room)."""

    # Silero score above which a chunk is voiced, and below which (hysteresis) it no longer is:
    # a little stricter than the endpointer's 0.4 / 0.25, a barge-in needs clear voice.
    threshold: float = 0.5
    neg_threshold: float = 0.35
    # Voiced speech in one stretch that holds Nova's frames, of which at least min_user_share is
    # not her echo (while both talk, a quarter of the candidate's chunks read as echo at -10 dB;
    # echo alone makes a stretch of 1 chunk in 100 at most, then only echo). 96 ms (3 chunks):
    # a hold only pauses what is sent, the page plays its 250-ms lead on, so a false one (a
    # cough, a click, an echo chunk) resumed within the lead is never heard; at 300 ms (the
    # audible rule itself) the practice bench's barge-in stop was 437 ms p50 from the onset.
    hold_ms: float = 96.0
    min_user_share: float = 0.5
    # A stretch whose voice goes on past this (from its first voiced chunk) is not a backchannel:
    # espeak-ng's "uh-huh", "mm-hm", "yeah", "okay", "right" are 384-544 ms of voice.
    backchannel_max_ms: float = 600.0
    # Silence (or echo) that ends a stretch: longer than the dip inside "mm-hm" / "uh-huh" (one or
    # two chunks), short enough that a backchannel resumes her within ~0.3 s of its end.
    gap_ms: float = 192.0
    # After a held stretch ends, wait this long for ``note_transcript`` before resuming (0: do not
    # wait; set it when the integrator transcribes the stretch, e.g. to catch a short "wait").
    transcript_wait_ms: float = 0.0
    # Voice this far above the microphone's noise floor (dB, the envelopes' band) at least: her
    # echo at -10 dB under -45 dBFS noise was called voice at a few dB; a barge-in is spoken up.
    min_snr_db: float = 6.0
    # Chunks whose spectral flatness (200-4000 Hz) is above this are noise, not voice: white
    # noise and the synthetic coughs measure 0.45-0.6, corpus speech p95 0.30.
    max_flatness: float = 0.45
    # Echo: the lags searched (the browser's playout buffer, the room, the network) and the
    # envelope window correlated (30 hops: enough syllables for a correlation to mean something).
    echo_lag_ms: tuple[float, float] = (0.0, 500.0)
    echo_window_ms: float = 480.0
    # The path: per-lag correlation averaged at this rate a chunk (~0.8 s), trusted from this
    # score and kept down to path_keep (her echo at -10 dB scores 0.9-0.95 at its lag; a chance
    # match with a candidate's words stayed under 0.3); its gain is learnt where the window holds
    # only echo (no voice, or correlated this well).
    path_rate: float = 0.04
    path_score: float = 0.6
    path_keep: float = 0.3
    learn_ncc: float = 0.8
    # Until she has been heard this long (the path forms in ~0.9 s), voice whose envelope matches
    # hers this well is taken for echo; after it, with no path, voice is the candidate's.
    # ``firstword bench barge-in`` (9 voices as Nova, the candidate 0.75 s into her reply, her
    # frames' stop p50/p95 ms; her echo alone: runs held of 108): 0.5: 354/1142, 7 held; 0.6:
    # 190/542, 7; 0.7: 122/478, 11; 0.8: 118/434, 19 (and twice the coughs held). 0.7: her
    # echo's holds stay unheard (gap p95 0 ms) and an early barge-in is caught like a late one.
    # A shorter settling (700 ms) let her echo stop her in 3 of 108 runs.
    path_settle_ms: float = 1500.0
    echo_ncc_settling: float = 0.7
    # With a path, a chunk louder than her predicted echo (and the noise) by this much is the
    # candidate's. 3 dB: 6 of 204 echo-only runs held her (a room's reverberation and colouring
    # move the echo +-4 dB from any prediction); 6 dB: 1 of 204 (0 dB echo under -45 dBFS noise),
    # and 211 of 216 barge-ins still found.
    echo_excess_db: float = 6.0
    # Nova's envelope below this (dB in the envelopes' band) is silence: no echo can come of it.
    playback_active_db: float = -55.0
    # Reverberation after each of her syllables: her envelope is held and decays this fast
    # (a room of RT60 ~0.4 s).
    echo_decay_db_per_s: float = 150.0


@dataclass(slots=True)
class BargeInStats:
    chunks: int = 0
    echo_chunks: int = 0  # voiced chunks called echo
    max_step_ms: float = 0.0
    decisions: list[tuple[float, str]] = field(default_factory=list)  # (mic audio s, decision)


class _Envelope:
    """Band energies (dB per 16-ms hop and band) on an absolute hop grid."""

    def __init__(self, capacity_hops: int, bands: int) -> None:
        self._values = np.full((capacity_hops, bands), FLOOR_DB, dtype=np.float64)
        self._cap = capacity_hops
        self._bands = bands
        self.end = 0  # one past the newest hop written (absolute hop index)

    def write(self, hop: int, values: np.ndarray) -> None:
        if len(values) == 0:
            return
        if len(values) > self._cap:
            hop += len(values) - self._cap
            values = values[-self._cap :]
        if hop > self.end:  # a gap: the hops in between are silence
            self._fill(self.end, min(hop, self.end + self._cap))
        idx = (hop + np.arange(len(values))) % self._cap
        self._values[idx] = values
        self.end = max(self.end, hop + len(values))

    def clear_from(self, hop: int) -> np.ndarray:
        """Remove (and return) the hops from ``hop`` to the end."""
        hop = max(hop, self.end - self._cap)
        if hop >= self.end:
            return np.zeros((0, self._bands))
        idx = np.arange(hop, self.end) % self._cap
        taken = self._values[idx].copy()
        self._values[idx] = FLOOR_DB
        self.end = hop
        return taken

    def _fill(self, start: int, stop: int) -> None:
        if stop > start:
            self._values[np.arange(start, stop) % self._cap] = FLOOR_DB

    def read(self, hops: np.ndarray) -> np.ndarray:
        """Values at absolute ``hops`` (silence where nothing was written or it is too old):
        shape ``hops.shape + (bands,)``."""
        valid = (hops < self.end) & (hops >= self.end - self._cap) & (hops >= 0)
        out = np.full(hops.shape + (self._bands,), FLOOR_DB)
        out[valid] = self._values[hops[valid] % self._cap]
        return out


def _hop_db(samples: np.ndarray) -> np.ndarray:
    """Energy (dB re full scale) of each whole 256-sample hop of ``samples`` in each of BANDS_HZ:
    shape (hops, bands). Noise outside the speech band (hum, hiss) stays out of the envelopes."""
    n = len(samples) // HOP
    if n == 0:
        return np.zeros((0, len(BANDS_HZ)))
    spectrum = np.fft.rfft(samples[: n * HOP].reshape(n, HOP).astype(np.float64), axis=1)
    power = np.abs(spectrum) ** 2 * (2.0 / HOP**2)
    bands = np.stack([power[:, b].sum(axis=1) for b in _BANDS], axis=1)
    return 10.0 * np.log10(bands + 1e-10)


def _total(db: np.ndarray) -> np.ndarray:
    """dB of the sum of the bands' powers (the last axis)."""
    return 10.0 * np.log10(np.sum(10.0 ** (db / 10.0), axis=-1))


def spectral_flatness(chunk: np.ndarray) -> float:
    """Geometric over arithmetic mean of the power spectrum of a 512-sample chunk, 200-4000 Hz
    (0: tonal, like a voice's harmonics; about 0.56: white noise)."""
    spectrum = np.abs(np.fft.rfft(chunk * _HANN)) ** 2 + 1e-12
    band = spectrum[6:129]  # 31.25 Hz bins: 188 Hz to 4 kHz
    return float(np.exp(np.mean(np.log(band))) / np.mean(band))


def is_backchannel(text: str) -> bool:
    """Whether ``text`` is only acknowledgements and fillers ("mm-hm", "yeah, right", "okay")."""
    words = _WORD.findall(text.lower().replace("-", ""))
    if not words:
        return True
    joined = " ".join(words)
    for phrase in ("i see", "got it", "makes sense", "uh huh"):
        joined = joined.replace(phrase, "")
    rest = joined.split()
    return all(w in BACKCHANNEL_WORDS or re.fullmatch(r"(m+h*m+|h+m+|u+h+|a+h+|o+h+)", w) for w in rest)


class BargeInDetector:
    """Decides, chunk by chunk, whether the candidate is interrupting Nova (see the module doc).

    Feed it the microphone: ``feed_pcm(pcm16_bytes)`` (it scores each 512-sample chunk with its own
    Silero VAD), or ``feed(samples, probabilities)`` with a VAD score for each whole chunk the
    samples complete. Tell it what Nova plays: ``note_playback(pcm, sample_rate)`` as her audio is
    sent (it plays after what was sent before it), ``pause_playback()`` / ``resume_playback()``
    when her playback is held and goes on, ``stop_playback()`` when the rest of her reply is
    cancelled. Each ``feed`` returns the decisions it reached, in order (usually none).
    """

    def __init__(
        self,
        config: BargeInConfig | None = None,
        *,
        vad: VoiceActivityModel | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = c = config or BargeInConfig()
        if not 0.0 <= c.neg_threshold <= c.threshold <= 1.0:
            raise ValueError("barge-in thresholds need 0 <= neg_threshold <= threshold <= 1")
        if not 0.0 <= c.echo_lag_ms[0] <= c.echo_lag_ms[1]:
            raise ValueError("echo_lag_ms needs 0 <= low <= high")
        self._vad = vad
        self._clock = clock
        self._origin = clock()  # hop 0 of Nova's envelope
        self._lags = np.arange(
            int(math.floor(c.echo_lag_ms[0] / 1000 / HOP_S)),
            int(math.ceil(c.echo_lag_ms[1] / 1000 / HOP_S)) + 1,
        )
        self._window = max(8, int(round(c.echo_window_ms / 1000 / HOP_S)))
        self._decay_per_hop = c.echo_decay_db_per_s * HOP_S
        capacity = 4096  # 65 s of 16-ms hops: a whole reply queued at once
        self._mic_env = _Envelope(capacity, len(BANDS_HZ))  # indexed by the microphone's own hops
        self._ref_env = _Envelope(capacity, len(BANDS_HZ))  # indexed by clock hops from _origin
        self._noise_db = np.full(len(BANDS_HZ), FLOOR_DB + 40.0)  # the microphone's noise floor per band
        self._pending = np.zeros(0, dtype=np.float32)  # microphone samples short of a chunk
        self._mic_samples = 0  # samples analysed so far
        # Microphone time = arrival minus the audio's own position; the least offset seen lately,
        # since network jitter only ever delays a frame.
        self._mic_offsets: deque[float] = deque(maxlen=128)
        # Her playback: where her queued audio ends (clock s), the next hop to write, the samples
        # short of a hop, the resampler.
        self._ref_end_time = -math.inf
        self._ref_next_hop = 0
        self._ref_rest = np.zeros(0, dtype=np.float32)
        self._resampler: object | None = None
        self._resampler_rate = 0
        self._paused: np.ndarray | None = None  # her envelope held back by pause_playback
        # The echo path: a running correlation score per lag, and the gain (dB) her voice comes
        # back with at the best one, learnt where only her echo is heard.
        self._lag_score = np.zeros(len(self._lags))
        self._path_on = False
        self._path_gain: np.ndarray | None = None  # per band
        self._ref_chunks = 0  # chunks analysed with her voice in the window
        self.stats = BargeInStats()
        self._voiced = False
        self._held = False
        self._barged = False
        self._reset_stretch()

    # ----- Nova's side ----------------------------------------------------------------------

    def note_playback(self, pcm: bytes | np.ndarray, sample_rate: int, at: float | None = None) -> None:
        """Nova's audio as sent: PCM16 bytes (or float32 samples) at ``sample_rate``. It plays from
        ``at`` (clock s; default now) or right after the audio queued before it, if that is later."""
        if isinstance(pcm, (bytes, bytearray, memoryview)):
            samples = pcm16_to_float32(bytes(pcm))
        else:
            samples = np.asarray(pcm, dtype=np.float32)
        if samples.size == 0:
            return
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        if self._barged:
            self.reset()  # a new reply: she can be interrupted again
        requested = self._clock() if at is None else at
        if requested > self._ref_end_time + HOP_S or sample_rate != self._resampler_rate:
            # Not queued right behind what came before: a new run of her audio.
            self._ref_rest = np.zeros(0, dtype=np.float32)
            self._resampler = None
            self._ref_next_hop = max(self._hop_of(max(requested, self._ref_end_time)), self._ref_env.end)
            self._ref_end_time = max(requested, self._ref_end_time)
        self._ref_end_time += len(samples) / sample_rate
        samples16 = self._resample(samples, sample_rate)
        data = np.concatenate([self._ref_rest, samples16]) if self._ref_rest.size else samples16
        db = _hop_db(data)
        self._ref_rest = data[len(db) * HOP :].copy()
        self._ref_env.write(self._ref_next_hop, db)
        self._ref_next_hop += len(db)

    def pause_playback(self, at: float | None = None) -> None:
        """Her playback is held from ``at`` (default now): what was queued after it plays later."""
        hop = max(self._hop_of(self._clock() if at is None else at), 0)
        held = self._ref_env.clear_from(hop)
        if held.size:
            self._paused = held if self._paused is None else np.concatenate([held, self._paused])
        self._ref_end_time = min(self._ref_end_time, self._origin + hop * HOP_S)
        self._ref_next_hop = min(self._ref_next_hop, hop)

    def resume_playback(self, at: float | None = None) -> None:
        """Her held playback goes on from ``at`` (default now)."""
        if self._paused is not None and self._paused.size:
            hop = max(self._hop_of(self._clock() if at is None else at), self._ref_env.end)
            self._ref_env.write(hop, self._paused)
            self._ref_next_hop = hop + len(self._paused)
            self._ref_end_time = self._origin + self._ref_next_hop * HOP_S
        self._paused = None

    def stop_playback(self, at: float | None = None) -> None:
        """The rest of her reply is cancelled from ``at`` (default now)."""
        hop = max(self._hop_of(self._clock() if at is None else at), 0)
        self._ref_env.clear_from(hop)
        self._paused = None
        self._ref_end_time = min(self._ref_end_time, self._origin + hop * HOP_S)
        self._ref_next_hop = min(self._ref_next_hop, hop)
        self._ref_rest = np.zeros(0, dtype=np.float32)
        self._resampler = None

    @property
    def nova_audible(self) -> bool:
        """Her audio is playing now, or its echo may still be arriving."""
        return self._clock() < self._ref_end_time + self.config.echo_lag_ms[1] / 1000

    @property
    def held(self) -> bool:
        """A ``hold`` is in force (neither ``resume`` nor ``barge_in`` has followed it yet)."""
        return self._held

    # ----- the candidate's side -----------------------------------------------------------

    def feed_pcm(self, pcm: bytes, at: float | None = None) -> list[Decision]:
        """A microphone frame (PCM16 little-endian, 16 kHz, mono) that arrived at ``at`` (default now)."""
        return self.feed(pcm16_to_float32(pcm), at=at)

    def feed(
        self,
        samples: np.ndarray,
        probabilities: list[float] | np.ndarray | None = None,
        at: float | None = None,
    ) -> list[Decision]:
        """16 kHz float32 microphone samples that arrived at ``at`` (default now); ``probabilities``:
        a VAD score for each whole 512-sample chunk they complete (default: scored here)."""
        samples = np.asarray(samples, dtype=np.float32)
        if samples.ndim != 1:
            raise ValueError(f"expected mono samples, got shape {samples.shape}")
        now = self._clock() if at is None else at
        data = np.concatenate([self._pending, samples]) if self._pending.size else samples
        self._mic_offsets.append(now - (self._mic_samples + len(data)) / SAMPLE_RATE)
        n = len(data) // CHUNK
        if probabilities is not None and len(probabilities) != n:
            raise ValueError(f"{n} whole chunks but {len(probabilities)} probabilities")
        if probabilities is None and n and self._vad is None:
            from firstword.endpointing.silero import SileroVad

            self._vad = SileroVad()
        out: list[Decision] = []
        for i in range(n):
            chunk = data[i * CHUNK : (i + 1) * CHUNK]
            t0 = time.perf_counter()
            if probabilities is not None:
                p = float(probabilities[i])
            else:
                p = self._vad.speech_probability(chunk)  # type: ignore[union-attr]
            decision = self._step(chunk, p)
            self.stats.max_step_ms = max(self.stats.max_step_ms, (time.perf_counter() - t0) * 1000)
            if decision is not None:
                out.append(decision)
                self.stats.decisions.append((round(self._mic_samples / SAMPLE_RATE, 3), decision.value))
        self._pending = data[n * CHUNK :].copy()
        return out

    def note_transcript(self, text: str) -> Decision | None:
        """A quick transcript of the candidate's current (or just ended, still held) stretch:
        backchannel words only resume a hold; any other word is a barge-in."""
        if self._barged or self._stretch_start < 0 or not (self._held or self._armed_now()):
            return None
        if not _WORD.search(text.lower()):
            # An interim with no words yet ("", "...") says nothing: it must not resume her
            # (seen in the practice bench: an empty interim resumed a real interruption).
            return None
        if not is_backchannel(text):
            return self._decide(Decision.BARGE_IN)
        self._backchannel = True
        if self._held:
            return self._decide(Decision.RESUME)
        return None

    def reset(self) -> None:
        """Forget the stretch in progress and any decision (her next reply starts afresh)."""
        self._reset_stretch()
        self._held = False
        self._barged = False

    # ----- the decision -------------------------------------------------------------------

    def _reset_stretch(self) -> None:
        self._stretch_start = -1  # microphone sample of its first voiced chunk; -1: none
        self._stretch_last = -1  # one past its last voiced chunk
        self._stretch_voiced = 0  # voiced samples in it (the candidate's, and echo between them)
        self._stretch_user = 0  # voiced samples in it that are not her echo
        self._backchannel = False  # its transcript said so
        self._resume_due = -1  # microphone sample at which a held stretch that ended resumes

    def _armed_now(self) -> bool:
        return self.nova_audible or self._held

    def _decide(self, decision: Decision) -> Decision:
        if decision is Decision.HOLD:
            self._held = True
        elif decision is Decision.BARGE_IN:
            self._held = False
            self._barged = True
            self._reset_stretch()
        else:  # RESUME
            self._held = False
            if self._resume_due >= 0:
                self._reset_stretch()
        return decision

    def _step(self, chunk: np.ndarray, probability: float) -> Decision | None:
        c = self.config
        start = self._mic_samples
        end = start + CHUNK
        self._mic_samples = end
        self.stats.chunks += 1
        db = _hop_db(chunk)
        self._mic_env.write(start // HOP, db)
        self._track_noise(db)
        voiced = probability >= (c.neg_threshold if self._voiced else c.threshold)
        self._voiced = voiced
        flat_ok = voiced and float(np.mean(_total(db))) >= float(_total(self._noise_db)) + c.min_snr_db
        flat_ok = flat_ok and spectral_flatness(chunk) <= c.max_flatness
        user = voiced and flat_ok
        echo = self._echo(end, voiced)
        if user and echo:
            user = False
            self.stats.echo_chunks += 1
        if self._barged:
            return None
        if user:
            if self._stretch_start < 0:
                self._stretch_start = start
            self._stretch_last = end
            self._stretch_voiced += CHUNK
            self._stretch_user += CHUNK
            self._resume_due = -1
            if self._backchannel or not self._armed_now():
                return None
            if not self._held:
                if (
                    self._stretch_voiced >= c.hold_ms * SAMPLE_RATE / 1000
                    and self._stretch_user >= c.min_user_share * self._stretch_voiced
                ):
                    return self._decide(Decision.HOLD)
            elif end - self._stretch_start > c.backchannel_max_ms * SAMPLE_RATE / 1000:
                return self._decide(Decision.BARGE_IN)
            return None
        if self._stretch_start < 0:
            return None
        if voiced and flat_ok:
            # Voice inside the stretch that reads as her echo: while both talk some chunks do.
            self._stretch_voiced += CHUNK
        if self._resume_due < 0 and end - self._stretch_last >= c.gap_ms * SAMPLE_RATE / 1000:
            if not self._held:
                self._reset_stretch()  # too short to hold: a cough, a click, a breath
                return None
            self._resume_due = end + int(c.transcript_wait_ms * SAMPLE_RATE / 1000)
        if self._resume_due >= 0 and end >= self._resume_due:
            return self._decide(Decision.RESUME)
        return None

    # ----- echo ---------------------------------------------------------------------------

    def _track_noise(self, db: np.ndarray) -> None:
        """The microphone's noise floor per band: follows quiet hops down at once, rises 3 dB a
        second."""
        for v in db:
            self._noise_db = np.where(v < self._noise_db, v, self._noise_db + 3.0 * HOP_S)

    def _mic_time(self, sample: int | np.ndarray) -> float | np.ndarray:
        return min(self._mic_offsets) + np.asarray(sample) / SAMPLE_RATE

    def _hop_of(self, t: float) -> int:
        return int(math.floor((t - self._origin) / HOP_S + 1e-9))

    def _echo(self, end: int, voiced: bool) -> bool:
        """Follow the echo path on the window ending at microphone sample ``end`` and say whether
        that chunk is Nova's own voice coming back (module doc)."""
        c = self.config
        w = self._window
        mic_hops = np.arange(end // HOP - w, end // HOP)
        times = self._mic_time(mic_hops * HOP)
        ref_hops = np.floor((times - self._origin) / HOP_S + 1e-9).astype(np.int64)
        ref_b = self._ref_env.read(ref_hops[None, :] - self._lags[:, None])  # (lags, w, bands)
        if ref_b[:, -HOPS_PER_CHUNK - 2 :].max() < c.playback_active_db - 6.0:
            return False  # nothing of hers can be arriving now
        ref_b = self._decayed(ref_b)
        ref = _total(ref_b)  # (lags, w)
        mic_b = self._mic_env.read(mic_hops)  # (w, bands)
        mic = _total(mic_b)
        noise_b = self._noise_db
        floor = float(_total(noise_b)) + 3.0
        m = np.maximum(mic, floor)
        r = np.maximum(ref, c.playback_active_db)
        mc = m - m.mean()
        rc = r - r.mean(axis=1, keepdims=True)
        ncc = (rc @ mc) / (np.sqrt((mc**2).sum() * (rc**2).sum(axis=1)) + 1e-9)
        active = ref >= c.playback_active_db  # (lags, w)
        # The echo path: the lag at which the microphone has followed her for a while. A chance
        # match (a word of the candidate's starting where one of hers did) does not last.
        enough = active.sum(axis=1) >= w // 4
        self._lag_score[enough] += c.path_rate * (ncc[enough] - self._lag_score[enough])
        if enough.any():
            self._ref_chunks += 1
        lag = int(np.argmax(self._lag_score))
        # Trusted from path_score; once trusted, kept down to path_keep (a stretch of double
        # talk, or of her quiet voice under noise, lowers the score; the room has not changed).
        self._path_on = self._lag_score[lag] >= (c.path_keep if self._path_on else c.path_score)
        if self._path_on:
            if not voiced or ncc[lag] >= c.learn_ncc:
                self._learn_gain(mic_b, ref_b[lag], noise_b)
            if self._path_gain is not None:
                near = ref_b[max(0, lag - 1) : lag + 2, -HOPS_PER_CHUNK:].max(axis=0)  # (hops, bands)
                predicted = 10.0 * np.log10(
                    np.sum(10.0 ** ((near + self._path_gain) / 10.0) + 10.0 ** (noise_b / 10.0), axis=-1)
                )
                # Energy the echo (and the noise) cannot explain is the candidate's.
                return float(np.mean(mic[-HOPS_PER_CHUNK:] - predicted)) < c.echo_excess_db
        if not voiced:
            return False
        best = int(np.argmax(ncc))
        if self._ref_chunks < c.path_settle_ms * SAMPLE_RATE / 1000 / CHUNK:
            # Her first words, no path yet: whatever follows her envelope is taken for echo (a
            # barge-in over her first second is held a little late rather than her own voice
            # stopping her).
            return bool(ncc[best] >= c.echo_ncc_settling)
        # She has been heard a while and no path formed: too little of her comes back to call a
        # voice that rises this far above the noise hers.
        return False

    def _learn_gain(self, mic_b: np.ndarray, ref_b: np.ndarray, noise_b: np.ndarray) -> None:
        """How loud her voice comes back, band by band, from a window that holds only her echo
        (or nothing): the median of microphone over playback where her band was clearly on and the
        microphone no lower than its noise (an echo the canceller has removed predicts noise)."""
        c = self.config
        w = mic_b.shape[0]
        on = ref_b >= c.playback_active_db - 6.0  # (w, bands)
        counts = on.sum(axis=0)
        if counts.max() < w // 4:
            return
        diff = np.maximum(mic_b, noise_b) - ref_b
        known = counts >= w // 4
        gain = np.array([float(np.median(diff[on[:, b], b])) if known[b] else 0.0 for b in range(len(known))])
        if self._path_gain is None:
            self._path_gain = np.where(known, gain, float(np.median(gain[known])))
        else:
            rate = c.path_rate * 4
            moved = self._path_gain + rate * (gain - self._path_gain)
            self._path_gain = np.where(known, moved, self._path_gain)

    def _decayed(self, ref: np.ndarray) -> np.ndarray:
        """Her envelope held after each peak and decaying as a room's reverberation does (along
        the hop axis, the second)."""
        out = ref.copy()
        for k in range(1, out.shape[1]):
            np.maximum(out[:, k], out[:, k - 1] - self._decay_per_hop, out=out[:, k])
        return out

    # ----- resampling ---------------------------------------------------------------------

    def _resample(self, samples: np.ndarray, rate: int) -> np.ndarray:
        if rate == SAMPLE_RATE:
            return samples
        import soxr

        if self._resampler is None or self._resampler_rate != rate:
            self._resampler = soxr.ResampleStream(rate, SAMPLE_RATE, 1, dtype="float32", quality="LQ")
            self._resampler_rate = rate
        out = self._resampler.resample_chunk(samples)  # type: ignore[attr-defined]
        return np.asarray(out, dtype=np.float32)
