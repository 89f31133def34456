"""LLM benchmark: time to first token of the local engine, cold prompt vs warm prefix.

For each interview question the prompt is what a grounded answer asks the model to continue,
laid out by ``firstword.answerer.prompt`` on the bundled sample profile (``AnswerPrompts``):
[system: the persona's instructions, user: the question's facts, the question and the opening].
Two passes over the same questions:

- cold: every context's cache is cleared before each question, so the whole prompt is prefilled;
- warm: ``warm(prefix)`` once (as at session start), then the questions one after another; each
  prefills only what follows the prefix (the cache still holds the previous question and answer
  after it; the engine rewinds past them).

TTFT is measured where the answerer sees it: from ``stream()`` being called to the first text
delta arriving on the event loop. It reports median and p95 (nearest rank) of both passes, the
cold/warm ratio of medians, and decode speed after the first token. ``sweep`` repeats a short
version for n_threads x n_batch (and the engine's prefill chunk), which is how the defaults were
chosen for a 2-core machine.
"""

from __future__ import annotations

import asyncio
import json
import math
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from firstword.config import AnswerConfig, LlmConfig, LocalLlmConfig
from firstword.llm.base import ChatMessage, text_of
from firstword.llm.llama_local import EvalStats, LocalLlamaEngine

QUESTIONS: tuple[str, ...] = (
    "Tell me about yourself.",
    "Why do you want to work here?",
    "What is your biggest strength?",
    "Tell me about a time you disagreed with a teammate.",
    "Describe a project you are proud of.",
    "How do you handle a production incident?",
    "What is a weakness you are working on?",
    "How would you design a rate limiter?",
    "Where do you see yourself in five years?",
    "Do you have any questions for us?",
)


@dataclass(frozen=True, slots=True)
class Sample:
    question: str
    ttft_ms: float
    prompt_tokens: int
    evaluated_tokens: int
    generated_tokens: int
    tokens_per_s: float | None


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: with 10 samples, p95 is the largest (no interpolation)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _decode_rate(stats: EvalStats) -> float | None:
    if stats.first_token_s is None or stats.generated_tokens < 2:
        return None
    span = stats.total_s - stats.first_token_s
    return (stats.generated_tokens - 1) / span if span > 0 else None


@dataclass
class AnswerPrompts:
    """The answerer's prompt layout on the bundled sample profile, for the LLM benchmarks.

    ``prefix`` is what a session warms; ``messages(question)`` is what the model is asked to
    continue for that question: the facts grounding retrieved for it, the question and the
    opening grounding wrote (``firstword.answerer.prompt.continuation_messages``).
    """

    answer: AnswerConfig = field(default_factory=AnswerConfig)

    def __post_init__(self) -> None:
        from firstword.answerer.profile import sample_profile
        from firstword.answerer.prompt import system_message
        from firstword.grounding import Grounding

        self._grounding = Grounding(sample_profile())
        self.prefix: list[ChatMessage] = [system_message(self.answer.persona)]

    def messages(self, question: str) -> list[ChatMessage]:
        from firstword.answerer.prompt import continuation_messages

        composition = self._grounding.ground(question).composition
        return continuation_messages(
            self.answer.persona,
            question,
            composition.context,
            composition.opening,
            max_question_words=self.answer.max_question_words,
        )


async def _ask(
    engine: LocalLlamaEngine, prompts: AnswerPrompts, question: str, llm: LlmConfig
) -> Sample:
    messages = prompts.messages(question)
    started = time.perf_counter()
    ttft: float | None = None
    async for _ in text_of(engine.stream(messages, sampling=llm.sampling)):
        if ttft is None:
            ttft = time.perf_counter() - started
    stats = next(s for s in reversed(engine.history) if s.kind == "stream")
    return Sample(
        question=question,
        ttft_ms=1000 * (ttft if ttft is not None else float("nan")),
        prompt_tokens=stats.prompt_tokens,
        evaluated_tokens=stats.evaluated_tokens,
        generated_tokens=stats.generated_tokens,
        tokens_per_s=_decode_rate(stats),
    )


def _summary(samples: Sequence[Sample]) -> dict[str, float]:
    ttfts = [s.ttft_ms for s in samples if not math.isnan(s.ttft_ms)]
    rates = [s.tokens_per_s for s in samples if s.tokens_per_s is not None]
    return {
        "ttft_ms_median": statistics.median(ttfts) if ttfts else float("nan"),
        "ttft_ms_p95": percentile(ttfts, 95),
        "ttft_ms_min": min(ttfts, default=float("nan")),
        "tokens_per_s_median": statistics.median(rates) if rates else float("nan"),
        "prompt_tokens_median": statistics.median(s.prompt_tokens for s in samples),
        "evaluated_tokens_median": statistics.median(s.evaluated_tokens for s in samples),
    }


async def _measure(
    llm: LlmConfig, questions: Sequence[str], prompts: AnswerPrompts
) -> dict[str, object]:
    # One context: the cold pass must not find the prompt in a second cache.
    local = llm.local.model_copy(update={"contexts": 1})
    engine = LocalLlamaEngine(local)
    try:
        # Load the model (and page the weights in) outside the timings.
        hello = llm.sampling.model_copy(update={"max_tokens": 2, "temperature": 0.0})
        async for _ in engine.stream([ChatMessage("user", "Hello")], sampling=hello):
            pass
        cold: list[Sample] = []
        for question in questions:
            await engine.clear_caches()
            cold.append(await _ask(engine, prompts, question, llm))

        await engine.clear_caches()
        started = time.perf_counter()
        await engine.warm(prompts.prefix)
        warm_ms = 1000 * (time.perf_counter() - started)
        prefix_tokens = next(s for s in reversed(engine.history) if s.kind == "warm").prompt_tokens
        warm: list[Sample] = [await _ask(engine, prompts, q, llm) for q in questions]
    finally:
        await engine.aclose()
    cold_summary, warm_summary = _summary(cold), _summary(warm)
    return {
        "settings": {
            "n_threads": local.n_threads,
            "n_batch": local.n_batch,
            "prefill_chunk": engine.prefill_chunk,
            "max_tokens": llm.sampling.max_tokens,
            "temperature": llm.sampling.temperature,
        },
        "prefix_tokens": prefix_tokens,
        "warm_call_ms": warm_ms,
        "cold": cold_summary,
        "warm": warm_summary,
        "cold_over_warm": cold_summary["ttft_ms_median"] / warm_summary["ttft_ms_median"],
        "samples": {"cold": [asdict(s) for s in cold], "warm": [asdict(s) for s in warm]},
    }


def _llm_config(engine_config: LlmConfig | LocalLlmConfig) -> LlmConfig:
    if isinstance(engine_config, LocalLlmConfig):
        return LlmConfig(engine="local", local=engine_config)
    return engine_config


def run(
    engine_config: LlmConfig | LocalLlmConfig, questions: list[str], prompts: AnswerPrompts
) -> dict[str, object]:
    """Cold vs warm TTFT of the local engine on ``prompts``."""
    llm = _llm_config(engine_config)
    return asyncio.run(_measure(llm, questions, prompts))


def sweep(
    engine_config: LlmConfig | LocalLlmConfig,
    questions: list[str],
    prompts: AnswerPrompts,
    *,
    threads: Sequence[int] = (1, 2),
    batches: Sequence[int] = (32, 64, 128, 512),
    max_tokens: int = 24,
) -> list[dict[str, object]]:
    """A short run per (n_threads, n_batch); the prefill chunk follows n_batch here."""
    base = _llm_config(engine_config)
    rows: list[dict[str, object]] = []
    for n_threads in threads:
        for n_batch in batches:
            local = base.local.model_copy(
                update={"n_threads": n_threads, "n_batch": n_batch, "prefill_chunk": n_batch}
            )
            sampling = base.sampling.model_copy(update={"max_tokens": max_tokens})
            llm = base.model_copy(update={"local": local, "sampling": sampling})
            report = run(llm, questions, prompts)
            report.pop("samples")
            rows.append(report)
    return rows


def print_report(report: dict[str, object], console: Console | None = None) -> None:
    console = console or Console()
    settings = report["settings"]
    table = Table(
        title=(
            f"Local LLM time to first token (prefix {report['prefix_tokens']} tokens, "
            f"{settings})"  # type: ignore[str-bytes-safe]
        )
    )
    for col in ("pass", "TTFT median ms", "p95 ms", "min ms", "prefilled tokens", "tok/s after"):
        table.add_column(col, justify="left" if col == "pass" else "right")
    for name in ("cold", "warm"):
        s = report[name]
        table.add_row(
            name,
            f"{s['ttft_ms_median']:.0f}",  # type: ignore[index]
            f"{s['ttft_ms_p95']:.0f}",  # type: ignore[index]
            f"{s['ttft_ms_min']:.0f}",  # type: ignore[index]
            f"{s['evaluated_tokens_median']:.0f}",  # type: ignore[index]
            f"{s['tokens_per_s_median']:.1f}",  # type: ignore[index]
        )
    console.print(table)
    console.print(
        f"cold / warm median TTFT = {report['cold_over_warm']:.1f}x; "
        f"warm() of the prefix took {report['warm_call_ms']:.0f} ms"
    )


def print_sweep(rows: list[dict[str, object]], console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title="Local LLM settings (short runs)")
    for col in ("threads", "n_batch", "chunk", "cold med", "cold p95", "warm med", "warm p95", "tok/s"):
        table.add_column(col, justify="right")
    for r in rows:
        st, cold, warm = r["settings"], r["cold"], r["warm"]
        table.add_row(
            str(st["n_threads"]), str(st["n_batch"]), str(st["prefill_chunk"]),  # type: ignore[index]
            f"{cold['ttft_ms_median']:.0f}", f"{cold['ttft_ms_p95']:.0f}",  # type: ignore[index]
            f"{warm['ttft_ms_median']:.0f}", f"{warm['ttft_ms_p95']:.0f}",  # type: ignore[index]
            f"{warm['tokens_per_s_median']:.1f}",  # type: ignore[index]
        )  # fmt: skip
    console.print(table)


def main(
    json_out: Path | None = None,
    *,
    with_sweep: bool = False,
    config: LlmConfig | None = None,
) -> dict[str, object]:
    """``firstword bench llm``: the default questions on the configured local engine."""
    if config is None:
        from firstword.config import load_settings

        config = load_settings().llm
    prompts = AnswerPrompts()
    report = run(config, list(QUESTIONS), prompts)
    print_report(report)
    if with_sweep:
        rows = sweep(config, list(QUESTIONS[:4]), prompts)
        print_sweep(rows)
        report["sweep"] = rows
    if json_out is not None:
        Path(json_out).write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main(
        Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "--sweep" else None,
        with_sweep="--sweep" in sys.argv,
    )
