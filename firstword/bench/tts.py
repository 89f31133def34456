"""TTS benchmark: load time, first audio of a sentence once warm, and real-time factor, per engine.

Each engine (Piper with the bundled joe voice, espeak-ng) is built from ``TtsConfig`` as the
server builds it, loaded (timed: Piper's split into reading the voice and its first synthesis),
then says ``SENTENCES`` — questions Nova, the practice interviewer, asks — one after another,
read as fast as they come:

- first audio: from ``synthesize()`` being called to its first chunk arriving on the event loop;
- real-time factor: time to the last chunk over the audio's length (under 1: faster than said);
- pace: words per minute of the audio, pauses included (how ``TtsConfig.espeak_wpm`` was set);
- for Piper also the first audio had a sentence been rendered whole (``unsplit``), which is what
  rendering clause by clause saves.

Medians and p95 (nearest rank) over the sentences; ``rounds`` repeats them.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from firstword.config import TtsConfig
from firstword.tts.base import TtsEngine

SENTENCES: tuple[str, ...] = (
    "Tell me about yourself.",
    "Why do you want to work here?",
    "Tell me about a time you disagreed with a teammate, and how you resolved it.",
    "Describe a project you are proud of, and what your part in it was.",
    "How do you handle a production incident at three in the morning?",
    "What is a weakness you are working on?",
    "Walk me through how you would design a rate limiter for a public API.",
    "Good, and what would you measure to know that it works?",
    "Where do you see yourself in five years?",
    "Thanks, that is all from me; do you have any questions for us?",
)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: with 10 samples, p95 is the largest (no interpolation)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


async def _say(engine: TtsEngine, text: str) -> dict[str, Any]:
    started = time.perf_counter()
    first: float | None = None
    total = 0
    async for chunk in engine.synthesize(text):
        if first is None:
            first = time.perf_counter() - started
        total += len(chunk)
    done = time.perf_counter() - started
    audio_s = total / 2 / engine.sample_rate
    words = len(re.findall(r"[A-Za-z0-9']+", text))
    return {
        "text": text,
        "first_audio_ms": (first or done) * 1000,
        "done_ms": done * 1000,
        "audio_s": audio_s,
        "rtf": done / audio_s if audio_s else float("nan"),
        "wpm": words / audio_s * 60 if audio_s else float("nan"),
    }


async def _unsplit_ms(engine: Any, text: str) -> float:
    """Piper only: one sentence rendered in one piece, as without ``clauses``."""
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    await loop.run_in_executor(engine._executor, engine._render, text)
    return (time.perf_counter() - started) * 1000


def _summary(samples: list[dict[str, Any]], key: str) -> dict[str, float]:
    values = [s[key] for s in samples]
    return {"median": statistics.median(values), "p95": percentile(values, 95), "min": min(values)}


async def _measure(name: str, config: TtsConfig, sentences: Sequence[str], rounds: int) -> dict[str, Any]:
    from firstword.tts.factory import create_tts

    engine = create_tts(config.model_copy(update={"engine": name}))
    if engine.name != name:  # the factory fell back (Piper not installed)
        await engine.aclose()
        return {"engine": name, "skipped": f"not installed (the factory chose {engine.name!r})"}
    started = time.perf_counter()
    await engine.load()
    load_ms = (time.perf_counter() - started) * 1000
    samples = [await _say(engine, text) for _ in range(rounds) for text in sentences]
    report: dict[str, Any] = {
        "engine": name,
        "sample_rate": engine.sample_rate,
        "load_ms": load_ms,
        "first_audio_ms": _summary(samples, "first_audio_ms"),
        "rtf": _summary(samples, "rtf"),
        "rtf_overall": sum(s["done_ms"] for s in samples) / 1000 / sum(s["audio_s"] for s in samples),
        "wpm_median": statistics.median(s["wpm"] for s in samples),
        "samples": samples,
    }
    stats = getattr(engine, "load_stats", None)
    if stats is not None:
        report["load_voice_ms"], report["load_warm_ms"] = stats.load_ms, stats.warm_ms
    if name == "piper":
        unsplit = [await _unsplit_ms(engine, text) for text in sentences]
        report["unsplit_first_audio_ms"] = {"median": statistics.median(unsplit), "p95": percentile(unsplit, 95)}
    await engine.aclose()
    return report


def run(
    config: TtsConfig | None = None,
    *,
    engines: Sequence[str] = ("piper", "espeak"),
    sentences: Sequence[str] = SENTENCES,
    rounds: int = 1,
) -> dict[str, Any]:
    """Measures each engine in turn (one at a time, so neither slows the other)."""
    config = config or TtsConfig()

    async def measure_all() -> list[dict[str, Any]]:
        return [await _measure(name, config, sentences, rounds) for name in engines]

    return {"settings": config.model_dump(), "sentences": len(sentences), "rounds": rounds,
            "engines": asyncio.run(measure_all())}  # fmt: skip


def print_report(report: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title=f"TTS: {report['sentences']} sentences x {report['rounds']}, read as fast as they come")
    for col in ("engine", "load ms", "first audio med ms", "p95 ms", "RTF med", "RTF all", "wpm"):
        table.add_column(col, justify="left" if col == "engine" else "right")
    for r in report["engines"]:
        if "skipped" in r:
            table.add_row(r["engine"], r["skipped"], "", "", "", "", "")
            continue
        table.add_row(
            r["engine"], f"{r['load_ms']:.0f}",
            f"{r['first_audio_ms']['median']:.0f}", f"{r['first_audio_ms']['p95']:.0f}",
            f"{r['rtf']['median']:.3f}", f"{r['rtf_overall']:.3f}", f"{r['wpm_median']:.0f}",
        )  # fmt: skip
    console.print(table)
    for r in report["engines"]:
        if "load_voice_ms" in r:
            console.print(
                f"{r['engine']}: load = reading the voice {r['load_voice_ms']:.0f} ms + first synthesis "
                f"{r['load_warm_ms']:.0f} ms"
            )
        if "unsplit_first_audio_ms" in r:
            u = r["unsplit_first_audio_ms"]
            console.print(
                f"{r['engine']}: first audio had each sentence been rendered whole: median "
                f"{u['median']:.0f} ms, p95 {u['p95']:.0f} ms (clause by clause: "
                f"{r['first_audio_ms']['median']:.0f} / {r['first_audio_ms']['p95']:.0f})"
            )


def main(json_out: Path | None = None, *, rounds: int = 1, config: TtsConfig | None = None) -> dict[str, Any]:
    """``firstword bench tts`` (once wired): both engines on the configured settings."""
    if config is None:
        from firstword.config import load_settings

        config = load_settings().tts
    report = run(config, rounds=rounds)
    print(json.dumps({**report, "engines": [{k: v for k, v in r.items() if k != "samples"} for r in report["engines"]]}, indent=2))
    print_report(report)
    if json_out is not None:
        Path(json_out).write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
