"""LLM priority benchmark: a live answer's time to first token while background work runs.

The local engine with two contexts: one holds the answerer's warm prefix (the copilot persona,
warmed as at session start), the other a long background job (study notes, standing in for
follow-up answers written ahead of time). The live request is what a grounded answer asks the
model on the bundled sample profile (``llm_ttft.AnswerPrompts``: the question's facts, the
question, the opening). Every round runs three variants of a live answer, in an order that
rotates from round to round:

- ``alone``: the live answer and nothing else;
- ``background``: the live answer while the long generation runs at ``Priority.BACKGROUND`` on
  the other context: the scheduler pauses it between tokens for as long as the live answer runs;
- ``unscheduled``: the same generation at ``Priority.LIVE``: nothing pauses it, so its steps
  and the live answer's take turns on the engine's compute thread (for comparison: what the
  answer would meet with no priorities).

All three variants of a round ask the same question, so they are compared on equal work. Before
each, a one-token filler question is asked (not measured), so that each prefills everything
after the cached prefix, as a new turn does, instead of finding the question in the cache.

The live request starts once the background generation has written a few tokens, a little later
each round (0-12 ms, spread over one decode step) so that it lands at every phase of a token.
TTFT is measured as the answerer sees it: from ``stream()`` being called to the first
``TextChunk`` on the event loop (the answer is then closed, and the background job stopped). The
report gives p50 and p95 (nearest rank) per variant, the ratio of each p50 to the ``alone`` one
(the target: ``background`` / ``alone`` <= 1.1), and the median over rounds of each TTFT over
and minus the same round's ``alone`` one (paired, so steadier: see ``_report``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from firstword.bench.llm_ttft import QUESTIONS, AnswerPrompts, percentile
from firstword.config import LlmConfig, LocalLlmConfig
from firstword.llm.base import ChatMessage, LlmChunk, Priority, TextChunk
from firstword.llm.llama_local import LocalLlamaEngine

VARIANTS = ("alone", "background", "unscheduled")
BACKGROUND_MESSAGES = [
    ChatMessage(
        "system",
        "You write thorough study notes for people preparing for job interviews. Cover every "
        "point in depth, with examples, in plain paragraphs.",
    ),
    ChatMessage(
        "user",
        "Write detailed notes on how to prepare for a backend engineering interview: system "
        "design, databases, concurrency, incident stories and questions to ask.",
    ),
]
# Long enough to outlast a live answer even when both compute at once (~4 s alone on 2 cores).
BACKGROUND_TOKENS = 400
# The background job is running and decoding (its prompt is cached from the round before) once
# it has written this many pieces of text.
BACKGROUND_HEAD_START = 6
FILLER = "Hello."
# The live request is sent this much later each round, cycling: one decode step of the bundled
# model is ~11 ms on 2 cores, so the arrivals cover every phase of the step in flight.
ARRIVAL_OFFSETS_MS = (0, 4, 8, 12)


@dataclass(frozen=True, slots=True)
class Sample:
    round: int
    variant: str
    question: str
    ttft_ms: float
    # From the engine's own record of the live request (EvalStats).
    prefill_ms: float
    evaluated_tokens: int
    # Whether the background job was still running when the live answer's first text came.
    background_running: bool | None
    background_paused_ms: float | None


async def _first_text(chunks: AsyncIterator[LlmChunk]) -> float | None:
    """When the stream's first text arrived (perf_counter); the stream is closed there.

    The rest of the answer would not change its first token, and stopping there makes a round
    short enough to run many.
    """
    try:
        async for chunk in chunks:
            if isinstance(chunk, TextChunk):
                return time.perf_counter()
        return None
    finally:
        await chunks.aclose()  # type: ignore[attr-defined]


class _Background:
    """The long generation, read in a task; stopped (closing its stream) when the round ends."""

    def __init__(self, engine: LocalLlamaEngine, llm: LlmConfig, priority: Priority) -> None:
        sampling = llm.sampling.model_copy(update={"max_tokens": BACKGROUND_TOKENS})
        self.stream = engine.stream(BACKGROUND_MESSAGES, sampling=sampling, priority=priority)
        self.pieces = 0
        self.started = asyncio.Event()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for chunk in self.stream:
            if isinstance(chunk, TextChunk):
                self.pieces += 1
                if self.pieces >= BACKGROUND_HEAD_START:
                    self.started.set()
        self.started.set()

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self.stream.aclose()  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class _Contexts:
    live: int
    background: int


async def _round(
    engine: LocalLlamaEngine,
    llm: LlmConfig,
    prompts: AnswerPrompts,
    contexts: _Contexts,
    index: int,
    variant: str,
) -> Sample:
    question = QUESTIONS[index % len(QUESTIONS)]
    # The question asked just before would be found in the cache (one token to prefill instead
    # of its ~10-20): a filler leaves the live context holding the prefix and something else.
    filler = llm.sampling.model_copy(update={"max_tokens": 1})
    filler_messages = [*prompts.prefix, ChatMessage("user", FILLER)]
    await _first_text(engine.stream(filler_messages, sampling=filler))
    background: _Background | None = None
    if variant != "alone":
        priority = Priority.BACKGROUND if variant == "background" else Priority.LIVE
        background = _Background(engine, llm, priority)
        await background.started.wait()
    await asyncio.sleep(ARRIVAL_OFFSETS_MS[index % len(ARRIVAL_OFFSETS_MS)] / 1000)
    try:
        messages = prompts.messages(question)
        started = time.perf_counter()
        first = await _first_text(engine.stream(messages, sampling=llm.sampling))
        running = None if background is None else not background.task.done()
    finally:
        if background is not None:
            await background.stop()
    streams = [s for s in reversed(engine.history) if s.kind == "stream"]
    live = next(s for s in streams if s.context == contexts.live)
    paused = None
    if background is not None:
        paused = 1000 * next(s for s in streams if s.context == contexts.background).paused_s
    return Sample(
        round=index,
        variant=variant,
        question=question,
        ttft_ms=1000 * (first - started) if first is not None else float("nan"),
        prefill_ms=1000 * live.prefill_s,
        evaluated_tokens=live.evaluated_tokens,
        background_running=running,
        background_paused_ms=paused,
    )


async def _setup(engine: LocalLlamaEngine, prompts: AnswerPrompts) -> _Contexts:
    """Each prompt warm on its own context: warmed at once, each takes a context of its own.

    One after the other, the second prompt would take the first one's context (they share the
    ChatML header, and an unloaded context shares nothing).
    """
    await asyncio.gather(
        engine.warm(prompts.prefix, priority=Priority.LIVE),
        engine.warm(BACKGROUND_MESSAGES, priority=Priority.BACKGROUND),
    )
    warmed = {s.priority: s.context for s in engine.history if s.kind == "warm"}
    if len(set(warmed.values())) != 2:
        raise RuntimeError(f"the two prompts did not land on two contexts: {list(engine.history)}")
    return _Contexts(live=warmed[Priority.LIVE], background=warmed[Priority.BACKGROUND])


async def _measure(llm: LlmConfig, rounds: int, console: Console) -> dict[str, object]:
    local = llm.local.model_copy(update={"contexts": 2})
    engine = LocalLlamaEngine(local)
    prompts = AnswerPrompts()
    samples: list[Sample] = []
    try:
        contexts = await _setup(engine, prompts)
        # One unrecorded round of each variant: pages the weights in and fills both caches.
        for variant in VARIANTS:
            await _round(engine, llm, prompts, contexts, 0, variant)
        with Progress(console=console, transient=True) as progress:
            bar = progress.add_task("rounds", total=rounds)
            for index in range(rounds):
                shift = index % len(VARIANTS)
                for variant in VARIANTS[shift:] + VARIANTS[:shift]:
                    samples.append(await _round(engine, llm, prompts, contexts, index, variant))
                progress.advance(bar)
        preemptions, pauses = engine.scheduler.preemptions, engine.scheduler.pauses
    finally:
        await engine.aclose()
    return _report(samples, llm, local, preemptions, pauses)


def _report(
    samples: list[Sample], llm: LlmConfig, local: LocalLlmConfig, preemptions: int, pauses: int
) -> dict[str, object]:
    variants: dict[str, dict[str, object]] = {}
    p50s: dict[str, float] = {}
    paired: dict[str, float] = {}
    alone = {s.round: s.ttft_ms for s in samples if s.variant == "alone"}
    for name in VARIANTS:
        mine = [s for s in samples if s.variant == name]
        ttfts = [s.ttft_ms for s in mine]
        p50s[name] = statistics.median(ttfts)
        # Each TTFT against the same round's (same question's) alone one. Steadier than the
        # ratio of p50s: the questions' prefills differ (75-230 tokens, 0.4-1.3 s), so the p50
        # of 20 rounds falls between questions and moves by more than the effect measured.
        paired[name] = statistics.median(s.ttft_ms / alone[s.round] for s in mine)
        variants[name] = {
            "ttft_ms": ttfts,
            "p50": p50s[name],
            "p95": percentile(ttfts, 95),
            "extra_ms_p50": statistics.median(s.ttft_ms - alone[s.round] for s in mine),
            "prefill_ms_p50": statistics.median(s.prefill_ms for s in mine),
            "background_still_running": sum(1 for s in mine if s.background_running),
        }
    return {
        "variants": variants,
        "ratio_p50": {name: p50 / p50s["alone"] for name, p50 in p50s.items()},
        "ratio_paired_p50": paired,
        "settings": {
            "rounds": len(samples) // len(VARIANTS),
            "local": local.model_dump(),
            "sampling": llm.sampling.model_dump(),
            "background_tokens": BACKGROUND_TOKENS,
            "arrival_offsets_ms": list(ARRIVAL_OFFSETS_MS),
        },
        "scheduler": {"preemptions": preemptions, "pauses": pauses},
        "samples": [asdict(s) for s in samples],
    }


def print_report(report: dict[str, object], console: Console) -> None:
    variants: dict[str, dict[str, object]] = report["variants"]  # type: ignore[assignment]
    ratios: dict[str, float] = report["ratio_p50"]  # type: ignore[assignment]
    paired: dict[str, float] = report["ratio_paired_p50"]  # type: ignore[assignment]
    rounds = report["settings"]["rounds"]  # type: ignore[index]
    table = Table(
        title=f"Live answer time to first token, other work on the model ({rounds} rounds)"
    )
    # "p50/alone": p50 over the alone p50; "paired": median over rounds of TTFT / the same
    # round's alone TTFT; "+ms": median over rounds of the difference; "bg on": rounds whose
    # background job was still running at the live answer's first text.
    columns = ("variant", "p50 ms", "p95 ms", "p50/alone", "paired", "+ms", "bg on")
    for col in columns:
        table.add_column(col, justify="left" if col == "variant" else "right")
    for name, v in variants.items():
        table.add_row(
            name,
            f"{v['p50']:.0f}",
            f"{v['p95']:.0f}",
            f"{ratios[name]:.2f}x",
            f"{paired[name]:.2f}x",
            f"{v['extra_ms_p50']:+.0f}",
            "-" if name == "alone" else f"{v['background_still_running']}/{rounds}",
        )
    console.print(table)
    verdict = "meets" if ratios["background"] <= 1.1 else "misses"
    console.print(
        f"background / alone p50 = {ratios['background']:.2f}x ({verdict} the 1.1x target), "
        f"paired {paired['background']:.2f}x; unscheduled / alone p50 = "
        f"{ratios['unscheduled']:.2f}x, paired {paired['unscheduled']:.2f}x; "
        f"scheduler: {report['scheduler']}"
    )


def main(
    json_out: Path | None = None,
    *,
    rounds: int = 20,
    config: LlmConfig | None = None,
    console: Console | None = None,
) -> dict[str, object]:
    """``firstword bench priority``: the three variants, interleaved, on the local engine."""
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    console = console or Console()
    if config is None:
        from firstword.config import load_settings

        config = load_settings().llm
    report = asyncio.run(_measure(config, rounds, console))
    print_report(report, console)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report, indent=2))
        console.print(f"wrote {json_out}")
    return report
