"""``firstword bench capacity``: how many live sessions one server carries within the goal.

At each level N a fresh server (the configured engines, in its own process on loopback) is
asked for N sessions at once; each session it admits plays ``per_session`` recordings of the
corpus one after another (2.5 s of silence between them: one question after another) in real
time over its WebSocket, all sessions starting together. Session i plays recordings
i*K .. i*K+K-1 (K = ``per_session``, modulo the corpus), so every level plays the same recordings
in the same sessions as far as it goes. Recordings longer than ``max_recording_s`` (long
readings, not questions) are left out.
Per level: sessions admitted and refused (503), the turns the server heard and how many it
answered, the server-side ``e2e_first_word_ms`` (``turn.latency``: end of speech → first word
sent) over every answered turn, the committed-text lag, and the server process's CPU.

Each stage's CPU per session-minute comes from the server's own counters (``/healthz``): the
speech decoder's busy time times its threads, and the rest of the process (VAD, the model,
the server) as the remainder.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from rich.console import Console
from rich.table import Table

from firstword.audio.format import SAMPLE_RATE
from firstword.audio.recording import load_recording
from firstword.bench.committed_lag import CommittedLag, TimedWord, record_lag
from firstword.bench.latency import read_manifest
from firstword.bench.server_process import ServerProcess
from firstword.client import FirstwordClient, SessionHandle, StreamRecord
from firstword.events import EventType, TranscriptFinal, TurnLatency


@dataclass
class LevelResult:
    sessions: int
    admitted: int = 0
    refused: int = 0
    refusals: list[str] = field(default_factory=list)
    turns: int = 0
    answered: int = 0
    e2e_ms: list[float] = field(default_factory=list)
    lag_ms: list[float] = field(default_factory=list)
    uncommitted_words: int = 0
    cpu_percent: float | None = None
    wall_s: float = 0.0
    audio_s: float = 0.0
    cpu_per_session_minute_s: dict[str, float] = field(default_factory=dict)
    errors: int = 0
    reports: list[dict[str, Any]] = field(default_factory=list)
    # The shared decoder's queue waits by priority over the level (a fresh server per level).
    decoder_waits_ms: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "admitted": self.admitted,
            "refused": self.refused,
            "turns": self.turns,
            "answered": self.answered,
            "e2e_first_word_ms": _pcts(self.e2e_ms),
            "cpu_percent": self.cpu_percent,
            "committed_lag_ms": CommittedLag(self.lag_ms, self.uncommitted_words).summary(),
            "cpu_per_session_minute_s": self.cpu_per_session_minute_s,
            "stt_decoder_wait_ms": self.decoder_waits_ms,
            "refusals": sorted(set(self.refusals)),
            "client_errors": self.errors,
            "wall_s": round(self.wall_s, 1),
            "turn_reports": self.reports,
        }


def _pcts(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"p50": None, "p95": None, "n": 0}
    v = np.asarray(values)
    return {"p50": round(float(np.percentile(v, 50)), 1), "p95": round(float(np.percentile(v, 95)), 1),
            "max": round(float(v.max()), 1), "n": len(values)}


def turn_reports(record: StreamRecord) -> list[dict[str, Any]]:
    """Each ``turn.latency`` report as sent, with its turn id."""
    return [{"turn": r.event.turn, **r.event.data} for r in record.of_type(EventType.TURN_LATENCY)]


def turns_of(record: StreamRecord) -> tuple[int, list[float]]:
    """(turns the server heard, e2e first-word ms of each answered one).

    A turn is heard when it has a non-empty interviewer final or a latency report; it is
    answered when its report carries a first word.
    """
    heard: set[int] = set()
    e2e: dict[int, float] = {}
    for received in record.events:
        event = received.event
        if event.turn is None:
            continue
        if event.type == EventType.TRANSCRIPT_FINAL and event.payload(TranscriptFinal).text.strip():
            heard.add(event.turn)
        elif event.type == EventType.TURN_LATENCY:
            heard.add(event.turn)
            latency = event.payload(TurnLatency)
            if latency.e2e_first_word_ms is not None:
                e2e[event.turn] = latency.e2e_first_word_ms
    return len(heard), list(e2e.values())


def _proc_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process (Linux /proc), None where unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


async def _create(client: httpx.AsyncClient) -> SessionHandle | str:
    response = await client.post("/sessions", json={})
    if response.status_code == 201:
        raw = response.json()
        return SessionHandle(raw["session_id"], raw["owner_token"], raw["ws_url"], raw["events_url"])
    try:
        message = response.json().get("error", {}).get("message") or response.text
    except ValueError:
        message = response.text
    return f"{response.status_code}: {message}"


async def _level(url: str, n: int, recordings: list[np.ndarray], words: list[list[TimedWord]] | None,
                 pid: int | None) -> LevelResult:
    result = LevelResult(sessions=n)
    client = FirstwordClient(url)
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        health0 = (await http.get("/healthz")).json()
        cpu0 = _proc_cpu_s(pid) if pid else None
        created = await asyncio.gather(*(_create(http) for _ in range(n)))
        sessions = [c for c in created if isinstance(c, SessionHandle)]
        result.admitted = len(sessions)
        result.refusals = [c for c in created if isinstance(c, str)]
        result.refused = sum(1 for c in result.refusals if c.startswith("503"))
        started = time.monotonic()
        records = await asyncio.gather(
            *(client.stream(s, recordings[i % len(recordings)], realtime=True) for i, s in enumerate(sessions)),
            return_exceptions=True,
        )
        result.wall_s = time.monotonic() - started
        cpu1 = _proc_cpu_s(pid) if pid else None
        health1 = (await http.get("/healthz")).json()
        for s in sessions:
            await client.close_session(s)
    await client.aclose()
    for i, record in enumerate(records):
        if isinstance(record, BaseException):
            result.errors += 1
            continue
        result.errors += len(record.errors)
        turns, e2e = turns_of(record)
        result.reports.extend({"session": i, **report} for report in turn_reports(record))
        result.turns += turns
        result.answered += len(e2e)
        result.e2e_ms.extend(e2e)
        result.audio_s += len(recordings[i % len(recordings)]) / SAMPLE_RATE
        if words:
            lag = record_lag(words[i % len(words)], record)
            result.lag_ms.extend(lag.lags_ms)
            result.uncommitted_words += lag.uncommitted
    if cpu0 is not None and cpu1 is not None and result.wall_s > 0:
        result.cpu_percent = round(100.0 * (cpu1 - cpu0) / result.wall_s, 1)
        result.cpu_per_session_minute_s = _stage_cpu(health0, health1, cpu1 - cpu0, result)
    result.decoder_waits_ms = (health1.get("decoder") or {}).get("wait_ms_by_priority") or {}
    return result


def _stage_cpu(before: dict[str, Any], after: dict[str, Any], cpu_s: float, level: LevelResult) -> dict[str, float]:
    """Per minute of one session's audio: the speech decoder's busy (wall) seconds and the whole
    process's CPU seconds. The decoder runs one decode at a time on all its threads, so it
    saturates at 60 busy seconds a minute; the process at 60 x cores CPU seconds. Together they
    say how many sessions a machine carries before either runs out."""
    minutes = level.audio_s / 60.0
    if minutes <= 0:
        return {}
    d0, d1 = before.get("decoder") or {}, after.get("decoder") or {}
    busy = max(0.0, d1.get("busy_s", 0.0) - d0.get("busy_s", 0.0))
    split0, split1 = d0.get("busy_s_by_priority") or {}, d1.get("busy_s_by_priority") or {}
    return {
        "stt_decoder_busy_s": round(busy / minutes, 2),
        # The decoder's seconds by what they decoded: interims, finals (pauses and turn ends), cuts.
        **{f"stt_decoder_{kind}_s": round(max(0.0, split1[kind] - split0.get(kind, 0.0)) / minutes, 2) for kind in split1},
        "process_cpu_s": round(cpu_s / minutes, 2),
    }


def run(
    corpus_dir: Path,
    levels: list[int],
    json_out: Path | None,
    *,
    env: dict[str, str] | None = None,
    plot: Path | None = None,
    with_lag: bool = True,
    per_session: int = 3,
    max_recording_s: float = 60.0,
    compare: Path | None = None,
    console: Console | None = None,
) -> dict[str, Any]:
    console = console or Console()
    entries = read_manifest(corpus_dir)
    loaded = [load_recording(corpus_dir / e["file"]) for e in entries]
    kept = [(e, a) for e, a in zip(entries, loaded, strict=True) if len(a) / SAMPLE_RATE <= max_recording_s]
    if not kept:
        raise ValueError(f"no recording in {corpus_dir} is {max_recording_s:.0f} s or shorter")
    # Only the recordings some session plays are decoded offline (for the lag).
    played = sorted({j % len(kept) for j in range(max(levels) * per_session)})
    words_of: dict[int, list[TimedWord]] = {}
    if with_lag:
        words_of = dict(zip(played, _timed_words([kept[j][1] for j in played], console), strict=True))
    recordings: list[np.ndarray] = []
    words: list[list[TimedWord]] | None = [] if with_lag else None
    for i in range(max(levels)):
        picks = [(i * per_session + j) % len(kept) for j in range(per_session)]
        audio, timed = _concatenate([kept[j][1] for j in picks], [words_of.get(j, []) for j in picks])
        recordings.append(audio)
        if words is not None:
            words.append(timed)
    results: list[LevelResult] = []
    for n in levels:
        with console.status(f"{n} sessions at once: starting a fresh server"):
            server = ServerProcess(env=env).__enter__()
        try:
            console.print(f"[bold]{n}[/] sessions at once, each playing a recording in real time …")
            results.append(asyncio.run(_level(server.url, n, recordings, words, server.pid)))
        finally:
            server.__exit__()
    out = {
        "levels": [r.to_json() for r in results],
        "meta": {"corpus": str(corpus_dir), "recordings": len(kept), "per_session": per_session,
                 "max_recording_s": max_recording_s, "cpu_count": os.cpu_count(),
                 "env": env or {}, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
    }
    _print(console, out)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(out, indent=2))
        console.print(f"wrote {json_out}")
    if plot is not None:
        from firstword.bench.plots import capacity_plot

        before = json.loads(compare.read_text())["levels"] if compare is not None else None
        capacity_plot(out["levels"], plot, title=f"{corpus_dir.name}: sessions at once, real time, {os.cpu_count()} cores",
                      compare=before, compare_name=compare.stem if compare is not None else "before")
        console.print(f"wrote {plot}")
    return out


# Silence between one session's recordings: longer than any end-of-turn wait (1.2 s), so each
# recording is a turn of its own, as questions a few seconds apart are.
GAP_S = 2.5


def _concatenate(audios: list[np.ndarray], timed: list[list[TimedWord]]) -> tuple[np.ndarray, list[TimedWord]]:
    """One session's recordings as one stream, and their words moved to where they play."""
    gap = np.zeros(int(GAP_S * SAMPLE_RATE), dtype=np.float32)
    parts: list[np.ndarray] = []
    words: list[TimedWord] = []
    at = 0.0
    for k, (audio, ws) in enumerate(zip(audios, timed, strict=True)):
        if k:
            parts.append(gap)
            at += GAP_S
        parts.append(audio.astype(np.float32, copy=False))
        words.extend(TimedWord(w.text, w.end_s + at) for w in ws)
        at += len(audio) / SAMPLE_RATE
    return np.concatenate(parts), words


def _timed_words(recordings: list[np.ndarray], console: Console) -> list[list[TimedWord]]:
    """Each recording's words with their end times (Whisper's 30-s path), before any server runs."""
    from firstword.config import load_settings
    from firstword.stt.whisper_ct2 import WhisperCt2Engine

    engine = WhisperCt2Engine(load_settings().stt)
    out: list[list[TimedWord]] = []
    with console.status("word timings for the committed-text lag (offline pass)"):
        for audio in recordings:
            timed = engine.decode_offline(audio, word_timestamps=True)
            out.append([TimedWord(w, end) for w, (_, end) in zip(timed.words, timed.word_times)])
    engine.close()
    return out


def _print(console: Console, out: dict[str, Any]) -> None:
    table = Table(title="capacity: sessions at once (server-side e2e_first_word_ms)")
    for col in ("sessions", "admitted", "refused", "answered", "e2e p50", "e2e p95", "lag p50", "lag p90", "CPU %"):
        table.add_column(col, justify="right")
    for level in out["levels"]:
        e2e, lag = level["e2e_first_word_ms"], level["committed_lag_ms"]
        table.add_row(str(level["sessions"]), str(level["admitted"]), str(level["refused"]),
                      f"{level['answered']}/{level['turns']}", _fmt(e2e.get("p50")), _fmt(e2e.get("p95")),
                      _fmt(lag.get("p50")), _fmt(lag.get("p90")), _fmt(level["cpu_percent"]))
    console.print(table)
    for level in out["levels"]:
        final = (level.get("stt_decoder_wait_ms") or {}).get("final") or {}
        if final.get("n"):
            console.print(f"{level['sessions']} sessions: pause and final decodes waited p50 {_fmt(final['p50'])} ms, "
                          f"p95 {_fmt(final['p95'])} ms, max {_fmt(final['max'])} ms in the decoder's queue ({final['n']})")


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"
