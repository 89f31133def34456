"""``firstword bench stt-batch``: one batched CTranslate2 call against the same pieces decoded
one after another (what ``firstword.stt.scheduler`` does with several sessions' interims).

Pieces are cut from the corpus's recordings (consecutive stretches of the given lengths); each
variant runs ``repeats`` times interleaved, so the two see the same machine load, and the ratio
of medians is the figure to quote.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from firstword.audio.format import SAMPLE_RATE
from firstword.audio.recording import load_recording
from firstword.bench.latency import read_manifest


def _pieces(corpus_dir: Path, seconds: float, count: int) -> list[np.ndarray]:
    n = int(seconds * SAMPLE_RATE)
    pieces: list[np.ndarray] = []
    for entry in read_manifest(corpus_dir):
        audio = load_recording(corpus_dir / entry["file"])
        pieces.extend(audio[i : i + n] for i in range(0, len(audio) - n + 1, n))
        if len(pieces) >= count:
            break
    return pieces[:count]


def run(corpus_dir: Path, json_out: Path | None, *, lengths: tuple[float, ...] = (2.0, 4.0, 8.0),
        batches: tuple[int, ...] = (2, 4), repeats: int = 5, console: Console | None = None) -> dict[str, Any]:
    from firstword.config import load_settings
    from firstword.stt.whisper_ct2 import WhisperCt2Engine

    console = console or Console()
    engine = WhisperCt2Engine(load_settings().stt)
    rows: list[dict[str, Any]] = []
    with console.status("decoding pieces one by one and batched"):
        for seconds in lengths:
            for size in batches:
                pieces = [(p, None) for p in _pieces(corpus_dir, seconds, size)]
                if len(pieces) < size:
                    continue
                one_by_one: list[float] = []
                batched: list[float] = []
                agree = 0
                for _ in range(repeats):
                    t = time.perf_counter()
                    singles = [engine.decode(a, prompt=p) for a, p in pieces]
                    one_by_one.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    together = engine.decode_batch(pieces)
                    batched.append((time.perf_counter() - t) * 1000)
                    agree = sum(a.text == b.text for a, b in zip(singles, together, strict=True))
                seq, bat = statistics.median(one_by_one), statistics.median(batched)
                rows.append({"piece_s": seconds, "batch": size, "one_by_one_ms": round(seq, 1),
                             "batched_ms": round(bat, 1), "ratio": round(bat / seq, 3), "same_text": agree})
    engine.close()
    table = Table(title="batched decode against one by one (medians)")
    for col in ("piece", "batch", "one by one", "batched", "ratio", "same text"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(f"{r['piece_s']:.0f} s", str(r["batch"]), f"{r['one_by_one_ms']:.0f} ms",
                      f"{r['batched_ms']:.0f} ms", f"{r['ratio']:.2f}", f"{r['same_text']}/{r['batch']}")
    console.print(table)
    out = {"rows": rows, "meta": {"corpus": str(corpus_dir), "repeats": repeats}}
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(out, indent=2))
    return out
