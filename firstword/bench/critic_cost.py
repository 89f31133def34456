"""``firstword bench critic``: what the critic costs the answer it checks, and how fast it
retracts.

Two servers on the bundled engines, one with the critic and one without, both letting the model
continue every grounded answer (``answer.continuation = stream``) so there is a model's first
token to time. The same typed questions go to both, alternating, so machine noise falls on both
alike. Reported: the model's first token as this client receives it (from sending the question
to the first delta after the grounded opening, which is the model's), per variant, and the
ratio of their medians; and, with the critic, how long after the sentence's last token reached
this client its retraction did.
"""

from __future__ import annotations

import asyncio
import json
import statistics
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from firstword.answerer.profile import load_profile_dir
from firstword.bench.answers import SessionReader, ask_turn, follow, load_questions
from firstword.bench.server_process import ServerProcess


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 1)


async def _run(urls: dict[str, str], root: Path, limit: int, console: Console) -> dict[str, Any]:
    ttft: dict[str, list[float]] = {name: [] for name in urls}
    retraction_ms: list[float] = []
    retractions = 0
    per_profile = load_questions(root)
    pairs = [(name, q) for name, qs in per_profile.items() for q in qs if q.expects][:limit]
    async with httpx.AsyncClient(timeout=60) as http:
        sessions: dict[tuple[str, str], tuple[dict[str, Any], SessionReader, asyncio.Task[None]]] = {}
        try:
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("asking both servers", total=len(pairs) * len(urls))
                for i, (name, q) in enumerate(pairs):
                    order = list(urls) if i % 2 == 0 else list(reversed(urls))
                    for variant in order:
                        key = (variant, name)
                        if key not in sessions:
                            profile = load_profile_dir(root / name)
                            client = httpx.AsyncClient(base_url=urls[variant], timeout=60)
                            created = (await client.post("/sessions", json={"profile": profile.to_dict()})).json()
                            reader = SessionReader()
                            follower = asyncio.create_task(follow(client, created, reader))
                            await asyncio.wait_for(reader.ready.wait(), 120)
                            sessions[key] = (created, reader, follower)
                            setattr(reader, "client", client)
                        session, reader, _ = sessions[key]
                        client = getattr(reader, "client")
                        sent, record, _ = await ask_turn(client, session, reader, q.question)
                        if record is not None and len(record.deltas) > 1:
                            # deltas[0] is the grounded opening; deltas[1] the model's first words.
                            ttft[variant].append((record.deltas[1][0] - sent) * 1000.0)
                        if variant == "critic" and record is not None:
                            delays = record.retraction_delays_ms()
                            retractions += len(delays)
                            retraction_ms += delays
                        progress.advance(task)
        finally:
            for _, reader, follower in sessions.values():
                follower.cancel()
                await getattr(reader, "client").aclose()
    on = statistics.median(ttft["critic"]) if ttft["critic"] else None
    off = statistics.median(ttft["no_critic"]) if ttft["no_critic"] else None
    return {
        "questions": len(pairs),
        "model_first_token_ms": {
            name: {"p50": _pct(v, 0.5), "p95": _pct(v, 0.95), "n": len(v)} for name, v in ttft.items()
        },
        "ttft_ratio_p50": None if not on or not off else round(on / off, 3),
        "retractions": retractions,
        "retraction_ms": {"p50": _pct(retraction_ms, 0.5), "p95": _pct(retraction_ms, 0.95), "max": max(retraction_ms, default=None)},
    }


def run(root: Path, json_out: Path | None, *, limit: int, console: Console) -> dict[str, Any]:
    common = {"FIRSTWORD_ANSWER__CONTINUATION": "stream"}
    with console.status("starting two servers with the bundled engines (critic on, critic off)"):
        with_critic = ServerProcess({**common, "FIRSTWORD_ANSWER__CRITIC": "true"}).__enter__()
        without = ServerProcess({**common, "FIRSTWORD_ANSWER__CRITIC": "false"}).__enter__()
    try:
        result = asyncio.run(_run({"critic": with_critic.url, "no_critic": without.url}, root, limit, console))
    finally:
        with_critic.__exit__()
        without.__exit__()
    table = Table(title=f"the critic's cost ({result['questions']} questions, each to both servers)")
    for col in ("variant", "model's first token p50 ms", "p95", "n"):
        table.add_column(col, justify="right")
    for name, p in result["model_first_token_ms"].items():
        table.add_row(name, str(p["p50"]), str(p["p95"]), str(p["n"]))
    console.print(table)
    r = result["retraction_ms"]
    console.print(
        f"first-token ratio (critic / none) p50: {result['ttft_ratio_p50']} · {result['retractions']} retractions, "
        f"{r['p50']} ms p50, {r['p95']} ms p95 after the sentence's last token reached the client"
    )
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2))
        console.print(f"wrote {json_out}")
    return result
