"""Board-room benchmark: what switching advisors costs the local model, and how fast a tool's
progress reaches a reader.

1. **Switching personas** (``llm_ttft_ms`` per persona). Questions go to Atlas, Cipher and Nova in
   rotation, so every question switches persona, on the engine's default pool of contexts
   (``llm.local.contexts``), with the board's prompt (``firstword.board.prompt``) on the bundled
   sample profile. Three layouts, in the same run:

   - ``dossier_first`` (what firstword does): [system: dossier, then instructions], every
     persona's prompt starts with the same dossier tokens;
   - ``persona_first`` (the usual layout): [system: instructions, then dossier];
   - ``cold``: every cache cleared before each question (the whole prompt prefilled);
   - ``same_persona``: the dossier-first layout with every question to Atlas (a person talking to
     one advisor): the floor that switching is compared with.

   TTFT is from ``stream()`` to the first text delta, as the room sees it; evaluated tokens come
   from the engine's own accounting.
2. **Tool progress to a reader** (``--progress``): a real server with a stdio MCP server that
   stamps each progress message with its send time; an SSE reader of the session records when
   each ``tool.progress`` arrives. Reports the notification→reader latency, median and p95.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from firstword.bench.llm_ttft import percentile
from firstword.config import LlmConfig, Settings
from firstword.llm.base import ChatMessage, text_of

QUESTIONS: tuple[str, ...] = (
    "Should I take the staff role or stay a senior engineer?",
    "How would you split our monolith?",
    "Tell me about a project you led.",
    "What should I negotiate first in the offer?",
    "Is a message queue worth it for our notifications?",
    "Why do you want this job?",
    "How do I explain a gap in my resume?",
    "How should we test the payment service?",
    "What was the hardest bug you fixed?",
    "Which market should we enter first?",
    "What would you change in our deploy pipeline?",
    "How do you handle disagreement with a manager?",
)
ROTATION: tuple[str, ...] = ("atlas", "cipher", "nova")
LAYOUTS: tuple[str, ...] = ("same_persona", "dossier_first", "persona_first", "cold")


@dataclass(frozen=True, slots=True)
class Sample:
    layout: str
    persona: str
    question: str
    ttft_ms: float
    prompt_tokens: int
    evaluated_tokens: int


def _messages(layout: str, persona_id: str, question: str, dossier_text: str) -> list[ChatMessage]:
    from firstword.answerer.personas import current_personas
    from firstword.board.prompt import system_message, user_message

    persona = current_personas()[persona_id]
    if layout == "persona_first":
        system = ChatMessage("system", f"{persona.instructions}\n\n{dossier_text}")
    else:
        system = system_message(persona, dossier_text)
    return [system, user_message(question)]


async def _switching(llm: LlmConfig, questions: Sequence[str], console: Console) -> dict[str, object]:
    from firstword.answerer.profile import sample_profile
    from firstword.board.prompt import dossier
    from firstword.grounding.facts import FactBase
    from firstword.llm.llama_local import LocalLlamaEngine

    dossier_text = dossier(FactBase.from_profile(sample_profile()), Settings().board.dossier_chars)
    engine = LocalLlamaEngine(llm.local)
    samples: list[Sample] = []
    try:
        hello = llm.sampling.model_copy(update={"max_tokens": 2, "temperature": 0.0})
        async for _ in engine.stream([ChatMessage("user", "Hello")], sampling=hello):
            pass
        for layout in LAYOUTS:
            await engine.clear_caches()
            if layout != "cold":
                # As a room does at start: the first advisor's prefix is warmed.
                await engine.warm(_messages(layout, ROTATION[0], "", dossier_text)[:1])
            for index, question in enumerate(questions):
                persona_id = ROTATION[0] if layout == "same_persona" else ROTATION[index % len(ROTATION)]
                if layout == "cold":
                    await engine.clear_caches()
                messages = _messages(layout, persona_id, question, dossier_text)
                sampling = llm.sampling.model_copy(update={"max_tokens": 8})
                started = time.perf_counter()
                ttft = float("nan")
                async for _ in text_of(engine.stream(messages, sampling=sampling)):
                    if ttft != ttft:
                        ttft = (time.perf_counter() - started) * 1000
                stats = next(s for s in reversed(engine.history) if s.kind == "stream")
                samples.append(Sample(layout, persona_id, question, ttft, stats.prompt_tokens, stats.evaluated_tokens))
                console.print(f"  {layout:14} {persona_id:7} ttft {ttft:7.1f} ms, evaluated {stats.evaluated_tokens:4d}/{stats.prompt_tokens} tokens")
    finally:
        await engine.aclose()
    summary: dict[str, object] = {}
    for layout in LAYOUTS:
        mine = [s for s in samples if s.layout == layout]
        ttfts = [s.ttft_ms for s in mine]
        summary[layout] = {
            "ttft_ms_median": statistics.median(ttfts),
            "ttft_ms_p95": percentile(ttfts, 95),
            "evaluated_tokens_median": statistics.median(s.evaluated_tokens for s in mine),
            "prompt_tokens_median": statistics.median(s.prompt_tokens for s in mine),
            "by_persona": {
                pid: {
                    "llm_ttft_ms_median": statistics.median(s.ttft_ms for s in mine if s.persona == pid),
                    "llm_ttft_ms_p95": percentile([s.ttft_ms for s in mine if s.persona == pid], 95),
                }
                for pid in ROTATION
                if any(s.persona == pid for s in mine)
            },
        }
    first = summary["dossier_first"]["ttft_ms_median"]  # type: ignore[index]
    summary["persona_first_over_dossier_first"] = summary["persona_first"]["ttft_ms_median"] / first  # type: ignore[index]
    summary["cold_over_dossier_first"] = summary["cold"]["ttft_ms_median"] / first  # type: ignore[index]
    return {"summary": summary, "samples": [asdict(s) for s in samples], "contexts": llm.local.contexts}


async def _progress(steps: int, rounds: int, console: Console) -> dict[str, object]:
    import httpx

    import socket

    import uvicorn

    from firstword.config import McpServerConfig, ToolsConfig
    from firstword.server.app import create_app

    # The stamp server stands in for analyze_repository (the built-in one is off), so the
    # board's own routing (/analyze N) reaches it over a real stdio pipe.
    settings = Settings(
        llm=LlmConfig(engine="scripted"),
        tools=ToolsConfig(
            builtin=False,
            servers=[McpServerConfig(name="stamp", command=[sys.executable, "-m", "firstword.bench.stamp_server"])],
        ),
    )
    from firstword.engines import load_engines_async

    engines = await load_engines_async(settings)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    app = create_app(settings, engines)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    latencies: list[float] = []
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            created = (await http.post("/sessions", json={"persona": "cipher"})).json()
            headers = {"Authorization": f"Bearer {created['owner_token']}"}
            finished: asyncio.Queue[str] = asyncio.Queue()

            async def read() -> None:
                # One reader for the whole run: a new one would replay the earlier rounds.
                async with http.stream("GET", f"/sessions/{created['session_id']}/events", headers=headers) as r:
                    async for line in r.aiter_lines():
                        if not line.startswith("data:"):
                            continue
                        arrived = time.time()
                        event = json.loads(line[5:])
                        if event["type"] == "tool.progress" and "@" in event["data"]["message"]:
                            sent = float(event["data"]["message"].rsplit("@", 1)[1])
                            latencies.append((arrived - sent) * 1000)
                        elif event["type"] in ("tool.done", "tool.failed"):
                            finished.put_nowait(event["type"])

            reader = asyncio.create_task(read())
            await asyncio.sleep(0.3)
            for _ in range(rounds):
                # A command names the tool outright: the stamp server's, with its step count.
                await http.post(
                    f"/sessions/{created['session_id']}/board",
                    json={"text": f"/analyze {steps}", "to": "cipher"}, headers=headers,
                )
                outcome = await asyncio.wait_for(finished.get(), 60)
                if outcome != "tool.done":
                    raise RuntimeError("the stamp server's call failed; see the server log")
            reader.cancel()
    finally:
        server.should_exit = True
        await task
        await engines.aclose()
    console.print(f"  progress notifications timed: {len(latencies)}")
    return {
        "notifications": len(latencies),
        "latency_ms_median": statistics.median(latencies) if latencies else None,
        "latency_ms_p95": percentile(latencies, 95) if latencies else None,
        "latency_ms_max": max(latencies, default=None),
    }


def main(questions: int, json_out: Path | None, progress: bool, switching: bool = True) -> dict[str, object]:
    console = Console(stderr=True)
    llm = Settings().llm
    asked = list(QUESTIONS[:questions]) if questions <= len(QUESTIONS) else [QUESTIONS[i % len(QUESTIONS)] for i in range(questions)]
    console.print(f"[bold]board bench[/]: {len(asked)} questions, personas in rotation {', '.join(ROTATION)}, {llm.local.contexts} contexts")
    result: dict[str, object] = {}
    if switching:
        result["switching"] = asyncio.run(_switching(llm, asked, console))
    if progress:
        result["progress"] = asyncio.run(_progress(20, 5, console))
    _print(result, console)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: (v["summary"] if isinstance(v, dict) and "summary" in v else v) for k, v in result.items()}, indent=2))
    return result


def _print(result: dict[str, object], console: Console) -> None:
    if "switching" in result:
        _print_switching(result["switching"]["summary"], console)  # type: ignore[index]
    if "progress" in result:
        p = result["progress"]
        console.print(
            f"tool progress → SSE reader: median {p['latency_ms_median']:.1f} ms, p95 {p['latency_ms_p95']:.1f} ms, "  # type: ignore[index]
            f"max {p['latency_ms_max']:.1f} ms over {p['notifications']} notifications"  # type: ignore[index]
        )


def _print_switching(summary: dict, console: Console) -> None:
    table = Table(title="Switching personas: first word from the local model (ms)")
    for column in ("layout", "median", "p95", "evaluated tokens (median)", "atlas", "cipher", "nova"):
        table.add_column(column)
    for layout in LAYOUTS:
        row = summary[layout]
        table.add_row(
            layout, f"{row['ttft_ms_median']:.0f}", f"{row['ttft_ms_p95']:.0f}", f"{row['evaluated_tokens_median']:.0f}",
            *(f"{row['by_persona'][p]['llm_ttft_ms_median']:.0f}" if p in row["by_persona"] else "–" for p in ROTATION),
        )
    console.print(table)
    console.print(
        f"persona-first / dossier-first: {summary['persona_first_over_dossier_first']:.2f}x; "
        f"cold / dossier-first: {summary['cold_over_dossier_first']:.2f}x"
    )
