"""``firstword bench fanout``: one generation watched by N readers over SSE, on one or more nodes.

The server runs in its own process (several, sharing Redis, with ``--nodes``), answering with the
scripted engine at a realistic model rate (``--rate`` tokens/s, 40 by default), so what is measured
is the fan-out and not a model. N observers connect over real loopback sockets, spread over the
nodes; one typed question starts one generation on node 1; every reader reassembles the answer
from its deltas (coalesced or not) and checks it against the ``answer.done`` text and the text the
engine was given. Lag is from the event's publish (its ``ts``, the server's wall clock) to its
receipt by the reader (this process's wall clock: one machine, one clock).

The readers are raw ``asyncio`` protocols with a minimal SSE parser: a general HTTP client costs
~10x more CPU per event, and on a small machine the readers share the CPU with the server, so a
heavy client would measure itself.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import numpy as np
from rich.console import Console
from rich.table import Table

from firstword.bench.server_process import ServerProcess
from firstword.events import EventType

# ~400 words of a plausible answer: a 10-s generation at 40 tokens/s.
ANSWER_TEXT = " ".join(
    [
        "I led the move of route planning from a nightly batch to a streaming service, and the "
        "part I am proudest of is how we kept the latency budget honest while we did it.",
    ]
    * 12
)


@dataclass
class ReaderResult:
    node: int
    connected: bool = False
    text: str = ""
    done_text: str | None = None
    lags_ms: list[float] = field(default_factory=list)
    coalesced_events: int = 0
    error: str | None = None


class _SseReader(asyncio.Protocol):
    """One SSE connection: HTTP/1.1 chunked body, events split on blank lines, JSON data."""

    def __init__(self, request: bytes, result: ReaderResult, done: asyncio.Future[None]) -> None:
        self._request = request
        self._result = result
        self._done = done
        self._head = b""
        self._body = bytearray()
        self._in_body = False
        self._pending = ""
        self._answer_id: int | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        transport.write(self._request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        now = time.time()
        if not self._in_body:
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                return
            status = self._head.split(b"\r\n", 1)[0]
            if b" 200 " not in status:
                self._finish(f"HTTP status {status.decode(errors='replace')}")
                return
            self._result.connected = True
            self._in_body = True
            data = self._head[end + 4 :]
        self._body += data
        self._parse_chunks(now)

    def _parse_chunks(self, now: float) -> None:
        # Transfer-Encoding: chunked — "<hex size>\r\n<data>\r\n" repeated.
        body = self._body
        text_parts: list[str] = []
        while True:
            line_end = body.find(b"\r\n")
            if line_end < 0:
                break
            size = int(body[:line_end], 16)
            if len(body) < line_end + 2 + size + 2:
                break
            text_parts.append(body[line_end + 2 : line_end + 2 + size].decode())
            del body[: line_end + 2 + size + 2]
            if size == 0:
                self._finish("stream ended")
                return
        if text_parts:
            self._events("".join(text_parts), now)

    def _events(self, text: str, now: float) -> None:
        self._pending += text.replace("\r\n", "\n")
        *blocks, self._pending = self._pending.split("\n\n")
        for block in blocks:
            for line in block.split("\n"):
                if line.startswith("data:"):
                    self._event(json.loads(line[5:]), now)

    def _event(self, event: dict[str, Any], now: float) -> None:
        # Read as plain JSON, not through the payload models: a thousand readers share this
        # machine's cores with the server they measure, and validation would be their main cost.
        kind = event["type"]
        data = event["data"]
        result = self._result
        if kind == EventType.ANSWER_STARTED:
            self._answer_id = data["answer_id"]
        elif kind == EventType.ANSWER_DELTA and data["answer_id"] == self._answer_id:
            result.text += data["text"]
            result.lags_ms.append((now - event["ts"]) * 1000.0)
            if "coalesced" in data:
                result.coalesced_events += 1
        elif kind == EventType.ANSWER_DONE and data["answer_id"] == self._answer_id:
            result.done_text = data["text"]
            self._finish(None)
        elif kind == EventType.ERROR:
            self._finish(f"{data.get('code')}: {data.get('message')}")

    def _finish(self, error: str | None) -> None:
        if error is not None and self._result.done_text is None:
            self._result.error = error
        if not self._done.done():
            self._done.set_result(None)
        self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._done.done():
            self._result.error = self._result.error or f"connection lost: {exc}"
            self._done.set_result(None)


def _raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))


async def _run_readers(
    urls: list[str], session_id: str, tokens: list[str], observers: int, start_generation: Any
) -> tuple[list[ReaderResult], float]:
    loop = asyncio.get_running_loop()
    results: list[ReaderResult] = []
    waits: list[asyncio.Future[None]] = []
    for i in range(observers):
        node = i % len(urls)
        parts = urlsplit(urls[node])
        request = (
            f"GET /sessions/{session_id}/events?token={tokens[i % len(tokens)]} HTTP/1.1\r\n"
            f"Host: {parts.netloc}\r\nAccept: text/event-stream\r\nConnection: keep-alive\r\n\r\n"
        ).encode()
        result = ReaderResult(node=node)
        done: asyncio.Future[None] = loop.create_future()
        await loop.create_connection(lambda: _SseReader(request, result, done), parts.hostname, parts.port)
        results.append(result)
        waits.append(done)
    # Every reader has its response head (it is subscribed) before the generation starts.
    deadline = time.monotonic() + 60
    while not all(r.connected or r.error for r in results) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    started = time.monotonic()
    await start_generation()
    await asyncio.wait(waits, timeout=120)
    return results, time.monotonic() - started


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p99": None, "max": None, "mean": None}
    array = np.asarray(values)
    return {
        "p50": round(float(np.percentile(array, 50)), 1),
        "p95": round(float(np.percentile(array, 95)), 1),
        "p99": round(float(np.percentile(array, 99)), 1),
        "max": round(float(array.max()), 1),
        "mean": round(float(array.mean()), 1),
    }


def run_once(observers: int, nodes: int, redis_url: str | None, rate: float, console: Console) -> dict[str, Any]:
    if nodes > 1 and not redis_url:
        raise ValueError("several nodes share sessions through Redis: pass --redis URL")
    _raise_fd_limit(observers * 2 + 256)
    prefix = f"fwbench-{secrets.token_hex(4)}"
    data_dir = tempfile.mkdtemp(prefix="firstword-fanout-")
    base_env = {
        "FIRSTWORD_LLM__ENGINE": "scripted",
        "FIRSTWORD_LLM__SCRIPTED__TEXT": ANSWER_TEXT,
        "FIRSTWORD_LLM__SCRIPTED__TOKENS_PER_S": str(rate),
        "FIRSTWORD_SERVER__SUBSCRIBER_QUEUE_EVENTS": "5000",
    }
    if redis_url:
        base_env |= {
            "FIRSTWORD_HUB__BACKEND": "redis",
            "FIRSTWORD_HUB__REDIS_URL": redis_url,
            "FIRSTWORD_HUB__KEY_PREFIX": prefix,
        }
    servers = [
        ServerProcess({**base_env, "FIRSTWORD_NODE_ID": f"bench-node-{n + 1}", "FIRSTWORD_DATA_DIR": f"{data_dir}/n{n + 1}"})
        for n in range(nodes)
    ]
    started: list[ServerProcess] = []
    try:
        with console.status(f"starting {nodes} node(s)"):
            for server in servers:
                started.append(server.__enter__())
        urls = [s.url for s in servers]
        with httpx.Client(base_url=urls[0], timeout=30) as http:
            created = http.post("/sessions", json={}).json()
            session_id, owner = created["session_id"], created["owner_token"]
            # One observer grant per 100 readers (a link shared by a room of watchers).
            tokens = [
                http.post(f"/sessions/{session_id}/observers", params={"token": owner}, json={"label": f"room {i}"}).json()["token"]
                for i in range(max(1, observers // 100))
            ]

        async def start_generation() -> None:
            async with httpx.AsyncClient(base_url=urls[0], timeout=30) as http:
                r = await http.post(f"/sessions/{session_id}/messages", params={"token": owner}, json={"text": "Tell me about a project you are proud of."})
                r.raise_for_status()

        with console.status(f"{observers} readers on {nodes} node(s) following one generation"):
            # The readers are the measuring instrument: a full collection in this process would
            # show up as lag, so it is kept rare here as it is in the server.
            thresholds = gc.get_threshold()
            gc.collect()
            gc.freeze()
            gc.set_threshold(50_000, 20, 100)
            try:
                results, seconds = asyncio.run(_run_readers(urls, session_id, tokens, observers, start_generation))
            finally:
                gc.set_threshold(*thresholds)
                gc.unfreeze()
    finally:
        for server in started:
            server.__exit__()
    expected = ANSWER_TEXT
    lags = [lag for r in results for lag in r.lags_ms]
    complete = [r for r in results if r.done_text is not None and r.error is None]
    mismatched = [r for r in complete if r.text.strip() != r.done_text or r.done_text != expected]
    per_node = {
        f"node{n + 1}": _percentiles([lag for r in results if r.node == n for lag in r.lags_ms])
        for n in range(nodes)
    }
    errors: dict[str, int] = {}
    for r in results:
        if r.error:
            errors[r.error] = errors.get(r.error, 0) + 1
    return {
        "observers": observers,
        "nodes": nodes,
        "generations": 1,
        "tokens_per_s": rate,
        "tokens": len(expected.split()),
        "lag_ms": _percentiles(lags),
        "lag_ms_by_node": per_node,
        "complete": len(complete),
        "mismatched": len(mismatched),
        "incomplete": observers - len(complete),
        "errors": errors,
        "coalesced_events": sum(r.coalesced_events for r in results),
        "deliveries": len(lags),
        "seconds": round(seconds, 2),
        "cpu_count": os.cpu_count(),
    }


def print_result(result: dict[str, Any], console: Console) -> None:
    table = Table(title=f"fan-out: 1 generation at {result['tokens_per_s']:.0f} tokens/s to {result['observers']} SSE readers on {result['nodes']} node(s)")
    for col in ("", "p50", "p95", "p99", "max"):
        table.add_column(col, justify="right")
    lag = result["lag_ms"]
    table.add_row("lag ms (publish → receipt)", *(_fmt(lag.get(k)) for k in ("p50", "p95", "p99", "max")))
    for node, stats in result["lag_ms_by_node"].items():
        table.add_row(f"  {node}", *(_fmt(stats.get(k)) for k in ("p50", "p95", "p99", "max")))
    console.print(table)
    verdict = "meets" if (lag["p99"] or 1e9) <= 100 and result["mismatched"] == 0 and result["complete"] == result["observers"] else "MISSES"
    console.print(
        f"complete {result['complete']}/{result['observers']}, mismatched {result['mismatched']}, "
        f"coalesced frames {result['coalesced_events']}, errors {result['errors'] or 'none'} — {verdict} "
        f"the target (p99 ≤ 100 ms, every reader exact)"
    )


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _ok(result: dict[str, Any]) -> bool:
    p99 = result["lag_ms"]["p99"]
    return p99 is not None and p99 <= 100 and result["mismatched"] == 0 and result["complete"] == result["observers"]


def main(
    observers: int,
    nodes: int = 1,
    redis_url: str | None = None,
    json_out: Path | None = None,
    *,
    rate: float = 40.0,
    sweep: bool = False,
) -> dict[str, Any]:
    console = Console()
    result = run_once(observers, nodes, redis_url, rate, console)
    print_result(result, console)
    if sweep:
        # How far N goes before p99 passes 100 ms: double it until it does.
        steps = [result]
        while _ok(steps[-1]) and steps[-1]["observers"] < 16_000:
            step = run_once(steps[-1]["observers"] * 2, nodes, redis_url, rate, console)
            print_result(step, console)
            steps.append(step)
        within = [s["observers"] for s in steps if _ok(s)]
        result = {
            **result,
            "sweep": [{k: s[k] for k in ("observers", "lag_ms", "complete", "mismatched")} for s in steps],
            "max_observers_p99_within_100ms": max(within) if within else None,
        }
        console.print(f"largest N with p99 ≤ 100 ms: {result['max_observers_p99_within_100ms']}")
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2))
        console.print(f"wrote {json_out}")
    return result
