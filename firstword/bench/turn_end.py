"""``firstword bench turn-end``: labelled pauses, the end-of-turn model fitted on them, and how
soon each policy can call a turn over without cutting into an unfinished one.

**The pauses.** Every recording of each corpus directory is scored by Silero VAD and replayed
through the endpointer's own turn policy with an end silence that never comes: each silence that
raised a PauseCandidate is a pause, ``silence_ms`` long (None after the last speech). Its label
comes from the text, as a listener would give it:

- a synthesized corpus (``firstword bench synth-corpus``) says where it inserted each silence and
  whether the turn was over there; a pause of the voice's own inside a piece is ``mid``;
- a recorded corpus (``../shared/corpus/speech``): the word before the pause in one ordinary
  transcription (faster-whisper, word timestamps) ends a sentence (. ? !) -> ``end``, otherwise
  ``mid`` (a pause inside a sentence is mid-turn); the recording's end is ``end``.

Each pause gets what the pipeline holds when its transcript arrives: the decode of the turn's
audio up to the pause plus the ``prefetch_silence_ms`` the pause candidate waits (the repo's
streaming Whisper path), the voice's last 1.5 s, and the pauses the speaker came back from
earlier in the same turn (a turn ends at a silence of ``continuation_ms`` or more).

**The model** (``firstword.endpointing.turn_end``) is scored by 5-fold cross-validation grouped
by recording (a recording's pauses are never split across folds), then refitted on everything
and written (``--write-model``) to the package.

**The policies.** For each pause, the silence after which it would end the turn: today's
(``semantic``: 320 / 480 / 800 ms from the transcript's ending) and the predictive one (its
cross-validated probability, the speaker rule). Neither can act before the pause's transcript
exists (``prefetch_silence_ms`` + the decode's measured time; until then the endpointer waits
``end_silence_ms``). Reported:

- precision and recall of "end of turn" declared within 100, 150, 200 and 300 ms of the voice
  stopping (a mid pause counts against precision only if it lasted until the declaration);
- the operating point grid: mean wait at the true ends against the share of mid pauses cut.
"""

from __future__ import annotations

import itertools
import json
import math
import statistics
import time
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from firstword.audio.format import SAMPLE_RATE, ms_to_samples, samples_to_ms
from firstword.audio.recording import load_recording
from firstword.config import EndpointingConfig, TurnEndConfig
from firstword.endpointing.semantic import required_silence_ms
from firstword.bench.interviewer_wait import _pauses_in
from firstword.endpointing.silero import CHUNK_SAMPLES
from firstword.endpointing.turn_end import (
    FEATURES,
    MODEL_PATH,
    PauseContext,
    TAIL_MS,
    TurnEndModel,
    TurnEndPredictor,
    features,
    fit_logistic,
    vector,
)

HORIZONS_MS = (100, 150, 200, 300, 400)
KNOBS = ("short_ms", "sure_end", "likely_end", "medium_ms", "long_ms", "speaker_margin_ms", "sure_overrides_speaker")
TRAILING_SILENCE_MS = 3000
PRE_ROLL_MS = 300  # EndpointingConfig.pre_roll_ms
WINDOW_MS = 20_000  # SttConfig.max_segment_ms
FOLDS = 5
# The first word's targets (p50 250 ms, p95 350 ms after the end of speech) less ~30 ms of the
# VAD's lag behind the voice (Silero's end is a chunk or so late): the wait at a turn said in one
# breath, from the VAD's end of voice, that the chosen setting must keep.
SPEED_P50_MS = 224
SPEED_P95_MS = 320
SHORT_GRID = (160, 192)
SURE_GRID = (0.6, 0.7, 0.8)
LIKELY_GRID = (0.3, 0.4, 0.5)
MEDIUM_GRID = (320, 416)
LONG_GRID = (640, 800, 1000)
MARGIN_GRID = (-1, 150, 300)


@dataclass(slots=True)
class Pause:
    file: str
    corpus: str
    index: int
    speech_end_ms: float
    silence_ms: float | None  # None: silence to the end of the recording
    label: str  # "end" | "mid"
    text: str
    resumed_ms: list[float]
    decode_ms: float
    features: dict[str, float] = field(default_factory=dict)
    feature_ms: float = 0.0

    @property
    def end(self) -> bool:
        return self.label == "end"


def _labels_from_words(words: list[tuple[float, float, str]], pauses: list[tuple[int, int | None]]) -> list[str]:
    labels = []
    for speech_end, silence in pauses:
        if silence is None:
            labels.append("end")
            continue
        middle = (speech_end + silence / 2) / SAMPLE_RATE
        before = [w for a, b, w in words if (a + b) / 2 < middle]
        last = before[-1].strip() if before else ""
        labels.append("end" if last.rstrip("\"')").endswith((".", "?", "!")) else "mid")
    return labels


def _labels_from_manifest(entry: dict[str, Any], pauses: list[tuple[int, int | None]]) -> list[str]:
    inserted = entry.get("pauses") or []
    labels = []
    for speech_end, silence in pauses:
        if silence is None:
            labels.append("end")
            continue
        start_ms, end_ms = samples_to_ms(speech_end), samples_to_ms(speech_end + silence)
        # The inserted silence this VAD pause lies in (the VAD's end lags the voice's by a chunk
        # or two, so overlap, not containment).
        match = [
            p for p in inserted
            if p["speech_end_ms"] - 150 <= start_ms <= p["speech_end_ms"] + p["silence_ms"] and end_ms > p["speech_end_ms"]
        ]
        labels.append(match[0]["label"] if match else "mid")
    return labels


def collect(corpus_dirs: Sequence[Path], *, console: Console | None = None) -> list[Pause]:
    from faster_whisper import WhisperModel

    from firstword.config import SttConfig
    from firstword.endpointing.silero import SileroVad
    from firstword.stt.whisper_ct2 import WhisperCt2Engine, bundled_model_path

    stt_config = SttConfig()
    model = WhisperModel(
        str(bundled_model_path()), device="cpu", compute_type=stt_config.compute_type,
        cpu_threads=stt_config.cpu_threads, num_workers=1,
    )
    engine = WhisperCt2Engine(stt_config, _model=model)
    vad = SileroVad()
    tail = ms_to_samples(EndpointingConfig().prefetch_silence_ms)
    continuation = EndpointingConfig().continuation_ms
    entries: list[tuple[Path, dict[str, Any]]] = []
    for directory in corpus_dirs:
        manifest = Path(directory) / "manifest.jsonl"
        if not manifest.is_file():
            raise FileNotFoundError(f"{manifest} not found: not a speech corpus directory")
        entries += [(Path(directory), json.loads(line)) for line in manifest.read_text().splitlines() if line.strip()]
    out: list[Pause] = []
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console, transient=True)
    try:
        with progress:
            task = progress.add_task("pauses", total=len(entries))
            for directory, entry in entries:
                progress.update(task, description=f"{entry['file'][:40]}")
                recording = load_recording(directory / entry["file"])
                padded = np.concatenate([recording, np.zeros(ms_to_samples(TRAILING_SILENCE_MS), np.float32)])
                vad.reset()
                start, pauses = _pauses_in(vad.score(padded))
                if start is None:
                    progress.advance(task)
                    continue
                segments, _ = model.transcribe(recording, language="en", beam_size=5, vad_filter=False,
                                               word_timestamps=True)
                words = [(w.start, w.end, w.word) for s in segments for w in (s.words or ())]
                labels = (_labels_from_manifest(entry, pauses) if "pauses" in entry
                          else _labels_from_words(words, pauses))
                turn_start = max(0, start - ms_to_samples(PRE_ROLL_MS))
                resumed: list[float] = []
                for i, ((speech_end, silence), label) in enumerate(zip(pauses, labels)):
                    w0 = max(turn_start, speech_end - ms_to_samples(WINDOW_MS))
                    w1 = min(len(recording), speech_end + tail)
                    prefix = "".join(w for a, b, w in words if b <= w0 / SAMPLE_RATE and a >= turn_start / SAMPLE_RATE)
                    decoded = engine.decode(recording[w0:w1], prompt=prefix.strip() or None)
                    text = f"{prefix.strip()} {decoded.text.strip()}".strip()
                    tail_audio = recording[max(0, speech_end - ms_to_samples(TAIL_MS)) : speech_end]
                    context = PauseContext(text, tail_audio, tuple(resumed))
                    t0 = time.perf_counter()
                    values = features(context)
                    spent = (time.perf_counter() - t0) * 1000
                    out.append(Pause(
                        file=entry["file"], corpus=Path(directory).name, index=i,
                        speech_end_ms=round(samples_to_ms(speech_end), 1),
                        silence_ms=None if silence is None else round(samples_to_ms(silence), 1),
                        label=label, text=text, resumed_ms=list(resumed), decode_ms=round(decoded.compute_ms, 1),
                        features={k: round(v, 5) for k, v in values.items()}, feature_ms=round(spent, 3),
                    ))
                    if silence is None:
                        continue
                    if samples_to_ms(silence) >= continuation:
                        resumed = []  # the turn is over: the next speech is a new turn
                        turn_start = speech_end + silence - ms_to_samples(PRE_ROLL_MS)
                    else:
                        resumed.append(round(samples_to_ms(silence), 1))
                progress.advance(task)
    finally:
        engine.close()
    return out


def refeature(pauses: list[Pause], corpus_dirs: Sequence[Path]) -> list[Pause]:
    """The features again, from the recordings (the texts and decode times are kept): how a
    change to the features is measured without decoding again."""
    where = {Path(d).name: Path(d) for d in corpus_dirs}
    cache: dict[tuple[str, str], np.ndarray] = {}
    for p in pauses:
        if p.corpus not in where:
            raise FileNotFoundError(f"the pauses cache names corpus {p.corpus!r}: pass its directory with --corpus")
        key = (p.corpus, p.file)
        if key not in cache:
            cache = {key: load_recording(where[p.corpus] / p.file)}  # one recording held at a time
        recording = cache[key]
        end = ms_to_samples(p.speech_end_ms)
        tail = recording[max(0, end - ms_to_samples(TAIL_MS)) : end]
        t0 = time.perf_counter()
        p.features = {k: round(v, 5) for k, v in features(PauseContext(p.text, tail, tuple(p.resumed_ms))).items()}
        p.feature_ms = round((time.perf_counter() - t0) * 1000, 3)
    return pauses


# ----- the model ------------------------------------------------------------------------------


def _group(pause: Pause) -> int:
    return zlib.crc32(f"{pause.corpus}/{pause.file}".encode()) % FOLDS


def _matrix(pauses: Sequence[Pause]) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([vector(p.features) for p in pauses]) if pauses else np.zeros((0, len(FEATURES)))
    y = np.array([1.0 if p.end else 0.0 for p in pauses])
    return x, y


# A pause shorter than this is over before any policy could call the turn (its transcript is not
# even there: prefetch_silence_ms + a decode): it teaches the model nothing it can act on.
DECISIVE_MS = 160


def _decisive(pauses: Sequence[Pause]) -> list[Pause]:
    return [p for p in pauses if p.silence_ms is None or p.silence_ms >= DECISIVE_MS]


def fit(pauses: Sequence[Pause], l2: float = 1.0) -> TurnEndModel:
    x, y = _matrix(_decisive(pauses))
    bias, weights = fit_logistic(x, y, l2=l2)
    return TurnEndModel(bias, tuple(float(w) for w in weights))


def cross_validated(pauses: Sequence[Pause], l2: float = 1.0) -> list[float]:
    """Each pause's probability from a model fitted without its recording."""
    out = [0.0] * len(pauses)
    for fold in range(FOLDS):
        train = [p for p in pauses if _group(p) != fold]
        model = fit(train, l2)
        for i, p in enumerate(pauses):
            if _group(p) == fold:
                out[i] = model.probability(p.features)
    return out


# ----- the policies ---------------------------------------------------------------------------


def _chunked(ms: float) -> float:
    """A silence is counted in whole VAD chunks."""
    chunk = samples_to_ms(CHUNK_SAMPLES)
    return math.ceil(ms / chunk - 1e-9) * chunk


def text_ready_ms(pause: Pause, config: EndpointingConfig) -> float:
    return config.prefetch_silence_ms + pause.decode_ms


def semantic_wait(pause: Pause, config: EndpointingConfig) -> float:
    wait = required_silence_ms(pause.text, config) if pause.text else config.end_silence_ms
    # Until the transcript is known the endpointer waits end_silence_ms; a shorter wait acts only
    # once it is.
    return _chunked(max(wait, min(config.end_silence_ms, text_ready_ms(pause, config))))


def predictive_wait(pause: Pause, probability: float, config: EndpointingConfig,
                    predictor: TurnEndPredictor | None = None) -> float:
    predictor = predictor or TurnEndPredictor(config, TurnEndModel(0.0, (0.0,) * len(FEATURES)))
    wait = predictor.decide_from_probability(probability, tuple(pause.resumed_ms), pause.text).wait_ms
    return _chunked(max(wait, min(config.end_silence_ms, text_ready_ms(pause, config))))


def score(pauses: Sequence[Pause], waits: Sequence[float], horizons: Sequence[int] = HORIZONS_MS) -> dict[str, Any]:
    """What a policy's waits do, two ways.

    As the live benchmark counts: a **turn end** is a pause the speaker did not come back from
    within ``continuation_ms`` (or at all); a **take-back** is a shorter pause that lasted as long
    as its wait (the turn was called over, an answer shown, and then the speaker went on). The
    wait at the turn ends is the speed.

    As the labels say: precision and recall of "end of turn" declared within each horizon (a
    declaration at a mid pause counts against precision only if the pause lasted that long).
    """
    continuation = EndpointingConfig().continuation_ms
    turn_end = [p.silence_ms is None or p.silence_ms >= continuation for p in pauses]
    end_waits = [w for w, e in zip(waits, turn_end) if e]
    taken_back = sum(1 for p, w, e in zip(pauses, waits, turn_end) if not e and p.silence_ms is not None and p.silence_ms >= w)
    ends = [w for p, w in zip(pauses, waits) if p.end]
    mids = [(p, w) for p, w in zip(pauses, waits) if not p.end]
    cut = [p for p, w in mids if p.silence_ms is not None and p.silence_ms >= w]
    turns = max(1, sum(turn_end))
    # Turns said in one go (no earlier pause in the turn long enough to have ended it: breaths at
    # commas allowed): a question asked, where the speed target applies.
    held = TurnEndConfig().speaker_min_pause_ms
    single = [w for p, w, e in zip(pauses, waits, turn_end) if e and all(ms < held for ms in p.resumed_ms)]
    out: dict[str, Any] = {
        "turns": sum(turn_end),
        "single_end_wait_ms": {"n": len(single), "p50": _pct(single, 50), "p95": _pct(single, 95)},
        "end_wait_ms": {"mean": round(statistics.fmean(end_waits), 1) if end_waits else None,
                        "p50": _pct(end_waits, 50), "p95": _pct(end_waits, 95)},
        "taken_back": taken_back,
        "taken_back_per_turn": round(taken_back / turns, 3),
        "mid_cut": len(cut),
        "mid_cut_share": round(len(cut) / len(mids), 4) if mids else None,
        "at": {},
    }
    for t in horizons:
        true_pos = sum(1 for w in ends if w <= t)
        false_pos = sum(1 for p, w in mids if w <= t and p.silence_ms is not None and p.silence_ms >= w)
        out["at"][str(t)] = {
            "precision": round(true_pos / (true_pos + false_pos), 3) if true_pos + false_pos else None,
            "recall": round(true_pos / len(ends), 3) if ends else None,
        }
    return out


def _pct(values: Sequence[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def grid(pauses: Sequence[Pause], probabilities: Sequence[float]) -> list[dict[str, Any]]:
    rows = []
    zero = TurnEndModel(0.0, (0.0,) * len(FEATURES))
    for short, sure, likely, medium, long_, margin, override in itertools.product(
        SHORT_GRID, SURE_GRID, LIKELY_GRID, MEDIUM_GRID, LONG_GRID, MARGIN_GRID, (False, True)
    ):
        if likely >= sure or (margin < 0 and override):
            continue
        knobs = {"short_ms": short, "sure_end": sure, "likely_end": likely, "medium_ms": medium, "long_ms": long_,
                 "speaker_margin_ms": margin, "sure_overrides_speaker": override}
        config = EndpointingConfig(turn_end=TurnEndConfig(**knobs))
        predictor = TurnEndPredictor(config, zero)
        waits = [predictive_wait(p, q, config, predictor) for p, q in zip(pauses, probabilities)]
        rows.append({**knobs, **score(pauses, waits), "corpus_end_p50": _corpus_end_p50(pauses, waits)})
    return rows


def _corpus_end_p50(pauses: Sequence[Pause], waits: Sequence[float]) -> dict[str, float | None]:
    """The median wait at each corpus's turn ends."""
    continuation = EndpointingConfig().continuation_ms
    out: dict[str, list[float]] = {}
    for p, w in zip(pauses, waits):
        if p.silence_ms is None or p.silence_ms >= continuation:
            out.setdefault(p.corpus, []).append(w)
    return {name: _pct(values, 50) for name, values in out.items()}


def choose(rows: list[dict[str, Any]], today: dict[str, float | None] | None = None) -> dict[str, Any]:
    """The fewest take-backs per turn among the settings quick enough where it matters and no
    slower anywhere else: a turn said in one go ends within SPEED_P50_MS / SPEED_P95_MS of the
    voice's end (the first word's targets less the VAD's lag), and no corpus's median wait at its
    turn ends is longer than today's policy's there (``today``: corpus -> p50). Without one, the
    quickest."""
    today = today or {}

    def no_slower(row: dict[str, Any]) -> bool:
        mine = row.get("corpus_end_p50", {})
        return all(mine.get(name) is None or limit is None or mine[name] <= limit for name, limit in today.items())

    quick = [r for r in rows if (r["single_end_wait_ms"]["p50"] or 0) <= SPEED_P50_MS
             and (r["single_end_wait_ms"]["p95"] or 0) <= SPEED_P95_MS and no_slower(r)]
    if not quick:
        return min(rows, key=lambda r: (r["single_end_wait_ms"]["p50"], r["taken_back_per_turn"]))
    return min(quick, key=lambda r: (r["taken_back_per_turn"], r["single_end_wait_ms"]["p50"], r["end_wait_ms"]["mean"]))


def tradeoff(pauses: Sequence[Pause], probabilities: Sequence[float],
             rows: list[dict[str, Any]] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Speed (a one-breath turn's end wait, p50) against take-backs per turn: the semantic policy
    over its sentence wait, and the predictive one's best settings (the front of ``rows``, the
    grid; by default its short wait and sure-end threshold over the shipped rest)."""

    def point(s: dict[str, Any], **knobs: Any) -> dict[str, Any]:
        return {**knobs, "cut_per_turn": s["taken_back_per_turn"], "end_wait_p50": s["single_end_wait_ms"]["p50"]}

    semantic = []
    for end in (160, 224, 320, 416, 480):
        config = EndpointingConfig(end_silence_ms=end, unpunctuated_silence_ms=max(end, 480))
        semantic.append(point(score(pauses, [semantic_wait(p, config) for p in pauses]), end_silence_ms=end))
    if rows is None:
        rows = []
        for short in SHORT_GRID:
            for sure in SURE_GRID:
                config = EndpointingConfig(turn_end=TurnEndConfig(short_ms=short, sure_end=sure))
                waits = [predictive_wait(p, q, config) for p, q in zip(pauses, probabilities)]
                rows.append({"short_ms": short, "sure_end": sure, **score(pauses, waits)})
    knobs = [k for k in KNOBS if k in rows[0]] if rows else []
    predictive = [point(r, **{k: r[k] for k in knobs}) for r in rows if r["single_end_wait_ms"]["p50"] is not None]
    return {"semantic": semantic, "predictive": _front(predictive)}


def _front(points: list[dict[str, float]]) -> list[dict[str, float]]:
    """The points no other beats on both speed and take-backs (one setting per point)."""
    front: dict[tuple[float, float], dict[str, float]] = {}
    for p in points:
        key = (p["cut_per_turn"], p["end_wait_p50"])
        if key not in front and not any(
            q["cut_per_turn"] <= key[0] and q["end_wait_p50"] <= key[1]
            and (q["cut_per_turn"], q["end_wait_p50"]) != key for q in points
        ):
            front[key] = p
    return sorted(front.values(), key=lambda p: p["cut_per_turn"])


def run(corpus_dirs: Sequence[Path], json_out: Path | None, *, pauses_json: Path | None = None,
        write_model: bool = False, plot: Path | None = None, console: Console | None = None) -> dict[str, Any]:
    console = console or Console()
    if pauses_json is not None and pauses_json.is_file():
        pauses = refeature([Pause(**p) for p in json.loads(pauses_json.read_text())], corpus_dirs)
        console.print(f"read {len(pauses)} pauses from {pauses_json} (features computed again)")
    else:
        pauses = collect(corpus_dirs, console=console)
        if pauses_json is not None:
            pauses_json.parent.mkdir(parents=True, exist_ok=True)
            pauses_json.write_text(json.dumps([asdict(p) for p in pauses]))
    probabilities = cross_validated(pauses)
    defaults = EndpointingConfig()
    rows = grid(pauses, probabilities)
    today_waits = [semantic_wait(p, defaults) for p in pauses]
    today = score(pauses, today_waits)
    chosen = choose(rows, _corpus_end_p50(pauses, today_waits))
    chosen_config = EndpointingConfig(turn_end=TurnEndConfig(**{k: chosen[k] for k in KNOBS}))
    shipped = score(pauses, [predictive_wait(p, q, defaults) for p, q in zip(pauses, probabilities)])
    model = fit(pauses)
    by_corpus: dict[str, Any] = {}
    for name in sorted({p.corpus for p in pauses}):
        idx = [i for i, p in enumerate(pauses) if p.corpus == name]
        sub = [pauses[i] for i in idx]
        by_corpus[name] = {
            "pauses": len(sub), "ends": sum(p.end for p in sub),
            "today": score(sub, [semantic_wait(p, defaults) for p in sub]),
            "chosen": score(sub, [predictive_wait(pauses[i], probabilities[i], chosen_config) for i in idx]),
        }
    feature_ms = [p.feature_ms for p in pauses]
    report = {
        "pauses": len(pauses),
        "ends": sum(p.end for p in pauses),
        "mids": sum(not p.end for p in pauses),
        "recordings": len({p.file for p in pauses}),
        "feature_ms": {"p50": _pct(feature_ms, 50), "p95": _pct(feature_ms, 95), "max": round(max(feature_ms), 3)},
        "decode_ms": {"p50": _pct([p.decode_ms for p in pauses], 50), "p95": _pct([p.decode_ms for p in pauses], 95)},
        "today": today,
        "shipped_defaults": {**defaults.turn_end.model_dump(), **shipped},
        "chosen": chosen,
        "by_corpus": by_corpus,
        "model": dict(zip(("bias", *FEATURES), (model.bias, *model.weights))),
    }
    if write_model:
        model = TurnEndModel(model.bias, model.weights, {
            "pauses": len(pauses), "ends": report["ends"], "recordings": report["recordings"],
            "corpora": sorted({p.corpus for p in pauses}), "fitted": time.strftime("%Y-%m-%d"),
        })
        MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
        MODEL_PATH.write_text(json.dumps(model.to_json(), indent=1) + "\n")
        console.print(f"wrote {MODEL_PATH}")
    report["tradeoff"] = tradeoff(pauses, probabilities, rows)
    print_summary(console, report)
    if plot is not None:
        from firstword.bench.plots import tradeoff_plot

        tradeoff_plot(
            {name: [(p["cut_per_turn"], p["end_wait_p50"]) for p in points] for name, points in report["tradeoff"].items()},
            plot,
            title=f"{report['pauses']} labelled pauses; the predictive front ignores the no-corpus-slower rule",
            ylabel="a turn said in one go: end, p50 (ms after the VAD's end of voice)",
            marks={
                "today (320 / 480 / 800)": (today["taken_back_per_turn"], today["single_end_wait_ms"]["p50"]),
                "predictive, shipped": (shipped["taken_back_per_turn"], shipped["single_end_wait_ms"]["p50"]),
            },
        )
        console.print(f"wrote {plot}")
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report, indent=2))
    return report


def print_summary(console: Console, report: dict[str, Any]) -> None:
    console.print(
        f"{report['pauses']} pauses ({report['ends']} end, {report['mids']} mid) in {report['recordings']} recordings; "
        f"features {report['feature_ms']['p50']} ms p50, {report['feature_ms']['p95']} ms p95; "
        f"pause decode {report['decode_ms']['p50']} ms p50"
    )
    table = Table(title="end of turn declared within t ms of the voice stopping (precision / recall, by the labels)")
    table.add_column("policy")
    for t in HORIZONS_MS:
        table.add_column(f"{t} ms", justify="right")
    table.add_column("one-breath end p50 / p95", justify="right")
    table.add_column("taken back / turn", justify="right")
    c = report["chosen"]
    best = ", ".join(f"{k} {c[k]}" for k in KNOBS)
    for name, s in (("today (semantic)", report["today"]), ("predictive, shipped", report["shipped_defaults"]),
                    (f"predictive, best: {best}", c)):
        cells = []
        for t in HORIZONS_MS:
            at = s["at"][str(t)]
            cells.append(f"{_f(at['precision'])} / {_f(at['recall'])}")
        single = s["single_end_wait_ms"]
        table.add_row(name, *cells, f"{single['p50']} / {single['p95']}", f"{s['taken_back']} ({s['taken_back_per_turn']})")
    console.print(table)
    per = Table(title="per corpus: one-breath end p50 / p95 (ms from the VAD's end of voice), taken back per turn")
    for col in ("corpus", "pauses", "today", "best"):
        per.add_column(col)
    for name, v in report["by_corpus"].items():
        cells = [f"{v[k]['single_end_wait_ms']['p50']} / {v[k]['single_end_wait_ms']['p95']}, {v[k]['taken_back_per_turn']}"
                 for k in ("today", "chosen")]
        per.add_row(name, str(v["pauses"]), *cells)
    console.print(per)


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
