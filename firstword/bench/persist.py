"""Persistence benchmark: what storing every event costs the token path.

The token path as the server runs it: a model thread produces a token every ``interval_ms``
(like llama.cpp's worker handing tokens to the loop), the answer coroutine publishes each as an
``answer.delta`` into the session's ``EventLog``, and a subscriber task (a WebSocket writer)
takes them out. Three variants, in the same run:

- ``none``: no store;
- ``per_token``: each event awaited into the database on the token path before it is published
  (one INSERT and one commit per event, durable before anyone sees it: the naive design this
  store replaces);
- ``batched``: the store's writer (``append`` only; a background task commits in batches).

They are interleaved in rounds (none, per_token, batched, none, ...) so that whatever else the
machine is doing falls on all three alike. Reported per variant: the inter-token interval at the
subscriber (median, p95, mean), the delivery delay (model emitted the token → subscriber has it),
the producer's cost per token (publish, plus the write where there is one) and the process's CPU
time per token (all threads, the writer's flushes included: on two cores that is time taken from
the model). The target: the batched writer adds at most 2 % to the median inter-token interval.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import math
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from firstword.config import StoreConfig
from firstword.events import AnswerDelta, AnswerDone, AnswerStarted, AnswerTrigger, Event, EventType, Payload
from firstword.hub.log import EventLog
from firstword.store import schema
from firstword.store.base import SessionRecord
from firstword.store.database import display_url, insert
from firstword.store.sqlstore import SqlStore

VARIANTS: tuple[str, ...] = ("none", "per_token", "batched")
TARGET_BATCHED_MAX_RATIO = 1.02


@dataclass(slots=True)
class Samples:
    intervals_ms: list[float] = field(default_factory=list)
    delivery_ms: list[float] = field(default_factory=list)
    cost_us: list[float] = field(default_factory=list)
    cpu_us_per_token: list[float] = field(default_factory=list)  # one per round


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest rank, as the other benchmarks report it."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def _summary(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"median": float("nan"), "p95": float("nan"), "mean": float("nan"), "n": 0}
    return {
        "median": statistics.median(values),
        "p95": percentile(values, 95),
        "mean": statistics.fmean(values),
        "n": len(values),
    }


class _Model(threading.Thread):
    """A token every ``interval_s`` on its own clock, handed to the loop like llama.cpp's worker."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        queue: asyncio.Queue[float | None],
        tokens: int,
        interval_s: float,
    ) -> None:
        super().__init__(daemon=True)
        self._loop = loop
        self._queue = queue
        self._tokens = tokens
        self._interval_s = interval_s

    def run(self) -> None:
        start = time.perf_counter()
        for i in range(self._tokens):
            delay = start + (i + 1) * self._interval_s - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            self._loop.call_soon_threadsafe(self._queue.put_nowait, time.perf_counter())
        self._loop.call_soon_threadsafe(self._queue.put_nowait, None)


async def _write_one(store: SqlStore, session_id: str, event: Event) -> None:
    """The naive baseline: this event, alone, into the database before the next token."""
    row = {
        "session_id": session_id,
        "seq": event.seq,
        "type": event.type,
        "turn": event.turn,
        "ts": event.ts,
        "data": event.data,
    }
    async with store.engine.begin() as conn:
        await conn.execute(insert(conn, schema.events).on_conflict_do_nothing(), [row])


async def _round(
    variant: str, store: SqlStore, session_id: str, tokens: int, interval_s: float, out: Samples | None
) -> None:
    log = EventLog(session_id)
    if variant != "none":
        store.session_opened(_record(session_id, store.node_id))
        await store.flush()
    if variant == "batched":
        log.add_listener(lambda event: store.append(session_id, event))
    per_token = variant == "per_token"
    emitted: dict[int, float] = {}
    arrivals: list[tuple[int, float]] = []
    subscription = log.subscribe()

    async def consume() -> None:
        async for event in subscription:
            if event.type == EventType.ANSWER_DELTA:
                arrivals.append((event.seq, time.perf_counter()))

    consumer = asyncio.create_task(consume())
    queue: asyncio.Queue[float | None] = asyncio.Queue()
    costs: list[float] = []

    async def publish(payload: Payload) -> Event:
        if per_token:
            # What the log is about to publish, written first: visible only once durable.
            upcoming = Event(
                type=payload.event_type, data=payload.to_data(), turn=1, seq=log.last_seq + 1, ts=time.time()
            )
            await _write_one(store, session_id, upcoming)
        return log.publish(payload, 1)

    await publish(AnswerStarted(answer_id=1, trigger=AnswerTrigger.FINAL, question="Tell me about yourself."))
    cpu_started = time.process_time()
    _Model(asyncio.get_running_loop(), queue, tokens, interval_s).start()
    words = 0
    text: list[str] = []
    while (emitted_at := await queue.get()) is not None:
        words += 1
        piece = f" word{words}"
        text.append(piece)
        started = time.perf_counter()
        event = await publish(AnswerDelta(answer_id=1, text=piece))
        costs.append((time.perf_counter() - started) * 1e6)
        emitted[event.seq] = emitted_at
    await publish(AnswerDone(answer_id=1, text="".join(text).strip(), trigger=AnswerTrigger.FINAL))
    log.close()
    await consumer
    if variant != "none":
        store.session_closed(session_id)
        await store.flush()
    cpu_s = time.process_time() - cpu_started
    if out is None:
        return
    out.cpu_us_per_token.append(cpu_s / tokens * 1e6)
    out.cost_us.extend(costs)
    for (_, previous), (_, current) in itertools.pairwise(arrivals):
        out.intervals_ms.append((current - previous) * 1000.0)
    out.delivery_ms.extend((at - emitted[seq]) * 1000.0 for seq, at in arrivals if seq in emitted)


def _record(session_id: str, node_id: str) -> SessionRecord:
    return SessionRecord(
        session_id=session_id,
        node_id=node_id,
        persona="bench",
        owner_token_hash=hashlib.sha256(session_id.encode()).hexdigest(),
        created_at=time.time(),
        profile={},
    )


async def _cleanup(store: SqlStore, prefix: str) -> None:
    # Only on a database that outlives the run (--url): remove the bench's own sessions.
    async with store.engine.begin() as conn:
        for table in (schema.events, schema.answers, schema.transcripts, schema.turns, schema.profiles):
            await conn.execute(table.delete().where(table.c.session_id.startswith(prefix)))
        await conn.execute(schema.sessions.delete().where(schema.sessions.c.id.startswith(prefix)))


async def _measure(url: str, rounds: int, tokens: int, interval_s: float, cleanup: bool) -> dict[str, Any]:
    prefix = f"bench-{uuid.uuid4().hex[:8]}-"
    store = SqlStore(url, node_id="bench", config=StoreConfig())
    await store.start()
    samples = {variant: Samples() for variant in VARIANTS}
    try:
        # Warm-up: connections opened, statements compiled, code paths hot; not counted.
        for variant in VARIANTS:
            await _round(variant, store, f"{prefix}warm-{variant}", min(tokens, 40), interval_s, None)
        for r in range(rounds):
            for variant in VARIANTS:
                await _round(variant, store, f"{prefix}{r}-{variant}", tokens, interval_s, samples[variant])
        writer = store.stats()
    finally:
        if cleanup:
            await _cleanup(store, prefix)
        await store.aclose()
    variants = {
        name: {
            "inter_token_ms": _summary(s.intervals_ms),
            "delivery_ms": _summary(s.delivery_ms),
            "producer_cost_us": _summary(s.cost_us),
            "cpu_us_per_token": _summary(s.cpu_us_per_token),
        }
        for name, s in samples.items()
    }
    return {
        "variants": variants,
        "writer": {
            "written": writer.written,
            "dropped": writer.dropped,
            "failed_flushes": writer.failed_flushes,
        },
    }


def _ratio(variants: dict[str, Any], name: str, metric: str = "median") -> float:
    base = variants["none"]["inter_token_ms"][metric]
    return variants[name]["inter_token_ms"][metric] / base if base else float("nan")


def run(
    url: str | None = None,
    *,
    rounds: int = 6,
    tokens: int = 180,
    interval_ms: float = 20.0,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="firstword-persist-") as tmp:
        target = url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        measured = asyncio.run(
            _measure(target, rounds, tokens, interval_ms / 1000.0, cleanup=url is not None)
        )
    variants = measured["variants"]
    ratios = {
        "batched_vs_none": _ratio(variants, "batched"),
        "per_token_vs_none": _ratio(variants, "per_token"),
        "batched_vs_none_mean": _ratio(variants, "batched", "mean"),
        "per_token_vs_none_mean": _ratio(variants, "per_token", "mean"),
        "batched_vs_none_p95": _ratio(variants, "batched", "p95"),
        "per_token_vs_none_p95": _ratio(variants, "per_token", "p95"),
    }
    return {
        "database": display_url(target) if url else "sqlite (temporary file)",
        "config": {
            "rounds": rounds,
            "tokens_per_round": tokens,
            "interval_ms": interval_ms,
            "order": list(VARIANTS),
        },
        "variants": variants,
        "ratios": ratios,
        "target_batched_max_ratio": TARGET_BATCHED_MAX_RATIO,
        "pass": ratios["batched_vs_none"] <= TARGET_BATCHED_MAX_RATIO,
        "writer": measured["writer"],
    }


def _table(result: dict[str, Any]) -> Table:
    table = Table(title=f"token path with persistence ({result['database']})", title_justify="left")
    for column in (
        "variant",
        "inter-token p50",
        "p95",
        "mean",
        "vs none (p50)",
        "delivery p50",
        "p95",
        "producer/token p50",
        "p95",
        "CPU/token",
    ):
        table.add_column(column, justify="left" if column == "variant" else "right")
    ratio_of = {
        "none": 1.0,
        "per_token": result["ratios"]["per_token_vs_none"],
        "batched": result["ratios"]["batched_vs_none"],
    }
    for name in VARIANTS:
        v = result["variants"][name]
        it, dl, pc = v["inter_token_ms"], v["delivery_ms"], v["producer_cost_us"]
        table.add_row(
            name,
            f"{it['median']:.2f} ms",
            f"{it['p95']:.2f} ms",
            f"{it['mean']:.2f} ms",
            f"{ratio_of[name]:.3f}",
            f"{dl['median']:.3f} ms",
            f"{dl['p95']:.3f} ms",
            f"{pc['median']:.0f} µs",
            f"{pc['p95']:.0f} µs",
            f"{v['cpu_us_per_token']['mean']:.0f} µs",
        )
    return table


def verdict(result: dict[str, Any]) -> str:
    r = result["ratios"]
    v = result["variants"]
    status = "PASS" if result["pass"] else "FAIL"
    delivery = {name: v[name]["delivery_ms"]["median"] for name in VARIANTS}
    return (
        f"{status}: the batched writer's median inter-token interval is {r['batched_vs_none']:.3f}× no store "
        f"(target ≤ {result['target_batched_max_ratio']:.2f}; p95 {r['batched_vs_none_p95']:.3f}×). "
        f"Per-token writes: {r['per_token_vs_none']:.3f}× (p95 {r['per_token_vs_none_p95']:.3f}×), each token "
        f"{delivery['per_token'] - delivery['none']:+.2f} ms later on screen and "
        f"{v['per_token']['producer_cost_us']['median']:.0f} µs of the token path "
        f"(batched: {delivery['batched'] - delivery['none']:+.2f} ms, "
        f"{v['batched']['producer_cost_us']['median']:.0f} µs; no store {v['none']['producer_cost_us']['median']:.0f} µs)."
    )


def main(
    json_out: Path | None,
    *,
    url: str | None = None,
    rounds: int = 6,
    tokens: int = 180,
    interval_ms: float = 20.0,
    console: Console | None = None,
) -> dict[str, Any]:
    console = console or Console()
    per_variant = rounds * tokens
    with console.status(
        f"{len(VARIANTS)} variants × {rounds} rounds × {tokens} tokens at one per {interval_ms:g} ms "
        f"(~{len(VARIANTS) * per_variant * interval_ms / 1000:.0f} s)"
    ):
        result = run(url, rounds=rounds, tokens=tokens, interval_ms=interval_ms)
    console.print(_table(result))
    console.print(verdict(result))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2))
        console.print(f"wrote {json_out}")
    return result
