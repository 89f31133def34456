"""The local llama.cpp engine on the bundled SmolLM2-135M model."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from firstword.config import LocalLlmConfig, Sampling
from firstword.llm.base import (
    ChatMessage,
    FinishChunk,
    LlmChunk,
    LlmError,
    Priority,
    TextChunk,
    UsageChunk,
    text_of,
)
from firstword.llm.llama_local import EvalStats, LocalLlamaEngine, format_chatml
from firstword.llm.scheduler import Preempted

pytestmark = pytest.mark.engine


def profile(tag: str) -> ChatMessage:
    # A distinct system prompt per test keeps the module-wide engine's caches from leaking
    # one test's warm prefix into another's token counts.
    return ChatMessage(
        "system",
        f"[{tag}] You are an interview copilot. Answer in one or two short sentences. "
        "The candidate is a backend engineer with eight years of Python, Go and PostgreSQL, "
        "who led a payments migration and mentors three juniors.",
    )


def ask(tag: str, question: str) -> list[ChatMessage]:
    return [profile(tag), ChatMessage("user", question)]


@pytest.fixture(scope="module")
def engine() -> Iterator[LocalLlamaEngine]:
    # Synchronous on purpose: each test runs in its own event loop and the engine keeps no loop
    # state between calls, so one model load serves the whole module. One thread per context:
    # with two, llama.cpp's OpenMP barriers spin against other load on a small shared machine
    # and a short answer can take tens of seconds, which the timing bounds here would not survive.
    eng = LocalLlamaEngine(LocalLlmConfig(contexts=2, n_ctx=2048, n_threads=1))
    yield eng
    asyncio.run(eng.aclose())


def greedy(max_tokens: int = 24) -> Sampling:
    return Sampling(max_tokens=max_tokens, temperature=0.0)


async def answer(
    engine: LocalLlamaEngine, messages: list[ChatMessage], max_tokens: int = 24
) -> list[str]:
    return [d async for d in text_of(engine.stream(messages, sampling=greedy(max_tokens)))]


def last(engine: LocalLlamaEngine, kind: str) -> EvalStats:
    return next(s for s in reversed(engine.history) if s.kind == kind)


def all_free(engine: LocalLlamaEngine) -> bool:
    return (
        not engine._jobs and not any(s.busy for s in engine._slots) and not engine.scheduler.running
    )


async def test_short_answer_streams_text(engine: LocalLlamaEngine) -> None:
    deltas = await answer(engine, ask("short", "What is your strongest language?"))
    assert deltas and all(isinstance(d, str) and d for d in deltas)
    assert "".join(deltas).strip()
    stats = last(engine, "stream")
    assert stats.outcome in ("stop", "length")
    assert 0 < stats.generated_tokens <= 24
    assert all_free(engine)


async def test_warm_then_stream_evaluates_only_the_suffix(engine: LocalLlamaEngine) -> None:
    prefix = [profile("warm")]
    await engine.warm(prefix)
    warm = last(engine, "warm")
    assert warm.outcome == "warmed"
    assert warm.reused_tokens + warm.evaluated_tokens == warm.prompt_tokens > 40
    assert warm.evaluated_tokens > 30  # only the "<|im_start|>system\n[" start can be shared

    messages = [*prefix, ChatMessage("user", "Why do you want this job?")]
    assert await answer(engine, messages)
    stream = last(engine, "stream")
    assert stream.context == warm.context
    assert stream.reused_tokens == warm.prompt_tokens
    assert stream.evaluated_tokens == stream.prompt_tokens - warm.prompt_tokens
    assert stream.evaluated_tokens < 20

    # The warm prefix survives the answer: the next question reuses it too.
    assert await answer(engine, [*prefix, ChatMessage("user", "Where do you see yourself?")])
    assert last(engine, "stream").reused_tokens >= warm.prompt_tokens

    # Warming an already warm prefix evaluates nothing.
    before = len(engine.history)
    await engine.warm(prefix)
    assert len(engine.history) == before


async def test_prefix_tokens_are_a_token_prefix_of_the_prompt(engine: LocalLlamaEngine) -> None:
    await answer(engine, ask("tok", "Warm up."), max_tokens=1)
    prefix = [profile("tok"), ChatMessage("user", "Hi 日本語 café"), ChatMessage("assistant", "Hé!")]
    full = [*prefix, ChatMessage("user", "Next?")]
    a = engine._tokenize(format_chatml(prefix, generation_prompt=False))
    b = engine._tokenize(format_chatml(full, generation_prompt=True))
    assert b[: len(a)] == a


async def test_same_prompt_twice_reevaluates_one_token(engine: LocalLlamaEngine) -> None:
    messages = ask("twice", "Name one database.")
    assert await answer(engine, messages)
    assert await answer(engine, messages)
    stats = last(engine, "stream")
    # The cache holds the prompt and the previous answer; the last prompt token is evaluated
    # again because sampling needs its logits.
    assert stats.evaluated_tokens == 1
    assert stats.reused_tokens == stats.prompt_tokens - 1
    # Not asserted: that both answers are equal at temperature 0. They can differ, because a
    # cached prefix plus a one-token batch does not give bit-identical logits to one big batch.


async def test_multibyte_characters_are_never_split(engine: LocalLlamaEngine) -> None:
    messages = [
        ChatMessage("system", "You are a helpful assistant."),
        ChatMessage("user", "Translate to Japanese: good morning, thank you very much."),
    ]
    text = "".join(await answer(engine, messages, max_tokens=40))
    assert any(ord(c) > 0x3000 for c in text)
    assert "\ufffd" not in text
    # The precondition that makes this a real test: some of these characters span tokens.
    vocab = engine._vocab
    assert vocab is not None
    pieces = [vocab.detokenize([t]) for t in vocab.tokenize(text.encode(), add_bos=False)]

    def decodes(piece: bytes) -> bool:
        try:
            piece.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True

    assert not all(decodes(p) for p in pieces)


async def test_aclose_mid_stream_stops_the_worker(engine: LocalLlamaEngine) -> None:
    messages = ask("cancel", "Describe your last project in great detail.")
    stream = text_of(engine.stream(messages, sampling=Sampling(max_tokens=400, temperature=0.7)))
    got = [await anext(stream) for _ in range(3)]
    assert all(got)
    started = time.perf_counter()
    await stream.aclose()  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0
    stats = last(engine, "stream")
    assert stats.outcome == "cancelled"
    assert stats.generated_tokens < 100
    assert all_free(engine)
    # The context is consistent and reusable, and still holds the prompt.
    assert await answer(engine, messages)
    assert last(engine, "stream").reused_tokens >= stats.prompt_tokens - 1


async def test_task_cancellation_during_prefill_is_prompt(engine: LocalLlamaEngine) -> None:
    long_profile = ChatMessage(
        "system", "[prefill] " + "Led the payments migration and mentored juniors. " * 60
    )
    messages = [long_profile, ChatMessage("user", "Summarize.")]

    async def consume() -> None:
        async for _ in engine.stream(messages, sampling=greedy(50)):
            pass

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.4)  # inside the ~600-token cold prefill
    started = time.perf_counter()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.perf_counter() - started < 1.5
    stats = last(engine, "stream")
    assert stats.outcome == "cancelled"
    assert stats.generated_tokens == 0
    assert stats.evaluated_tokens < stats.prompt_tokens
    assert all_free(engine)


async def test_concurrent_streams_use_both_contexts(engine: LocalLlamaEngine) -> None:
    a = ask("conc-a", "What is your biggest strength?")
    b = ask("conc-b", "What is your biggest weakness?")
    c = ask("conc-c", "Why Go?")
    before = len(engine.history)
    # Three streams on two contexts: the third waits for a free one.
    results = await asyncio.gather(answer(engine, a), answer(engine, b), answer(engine, c))
    assert all(results)
    runs = list(engine.history)[before:]
    assert {r.context for r in runs} == {0, 1}
    assert all(r.outcome in ("stop", "length") for r in runs)
    assert all_free(engine)


async def test_unrelated_prompt_does_not_evict_the_warm_context(
    engine: LocalLlamaEngine,
) -> None:
    prefix = [profile("keep")]
    await engine.warm(prefix)
    warm_context = last(engine, "warm").context
    await answer(engine, ask("other", "Unrelated question?"), max_tokens=4)
    assert last(engine, "stream").context != warm_context
    await answer(engine, [*prefix, ChatMessage("user", "And now?")], max_tokens=4)
    stats = last(engine, "stream")
    assert stats.context == warm_context
    assert stats.reused_tokens == last(engine, "warm").prompt_tokens


async def test_long_history_is_trimmed_and_oversized_prompt_is_refused() -> None:
    small = LocalLlamaEngine(LocalLlmConfig(contexts=1, n_ctx=256, n_threads=1))
    try:
        history = [
            ChatMessage("user" if i % 2 == 0 else "assistant", f"turn {i} " + "words " * 30)
            for i in range(8)
        ]
        messages = [ChatMessage("system", "Be brief."), *history, ChatMessage("user", "So?")]
        assert await answer(small, messages, max_tokens=8)  # type: ignore[arg-type]
        stats = last(small, "stream")  # type: ignore[arg-type]
        assert stats.trimmed_messages > 0
        assert stats.prompt_tokens <= 256 - 8

        huge = [ChatMessage("system", "rules " * 400), ChatMessage("user", "So?")]
        with pytest.raises(LlmError, match="only 248 fit"):
            await answer(small, huge, max_tokens=8)  # type: ignore[arg-type]
    finally:
        await small.aclose()


async def test_bad_model_files_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(LlmError, match="model file not found"):
        LocalLlamaEngine(LocalLlmConfig(model_path=str(tmp_path / "missing.gguf")))

    corrupt = tmp_path / "corrupt.gguf"
    corrupt.write_bytes(b"not a gguf file" * 100)
    bad = LocalLlamaEngine(LocalLlmConfig(model_path=str(corrupt)))
    try:
        with pytest.raises(LlmError, match="could not load local LLM model .*corrupt.gguf"):
            await bad.warm([ChatMessage("system", "x")])
        with pytest.raises(LlmError, match="could not load"):
            await answer(bad, [ChatMessage("user", "x")])  # type: ignore[arg-type]
    finally:
        await bad.aclose()


async def test_closed_engine_refuses_work() -> None:
    eng = LocalLlamaEngine(LocalLlmConfig(contexts=1))
    await eng.aclose()
    with pytest.raises(LlmError, match="closed"):
        await answer(eng, [ChatMessage("user", "x")])


# ----- chunks, sampling settings, priorities --------------------------------------------------


async def test_stream_ends_with_usage_then_one_finish(engine: LocalLlamaEngine) -> None:
    messages = ask("chunks", "Name one database.")
    await answer(engine, messages, max_tokens=3)
    chunks: list[LlmChunk] = [c async for c in engine.stream(messages, sampling=greedy(3))]
    stats = last(engine, "stream")
    *texts, usage, finish = chunks
    assert texts and all(isinstance(c, TextChunk) and c.text for c in texts)
    assert usage == UsageChunk(
        prompt_tokens=stats.prompt_tokens,
        completion_tokens=stats.generated_tokens,
        cached_tokens=stats.reused_tokens,
    )
    # The prompt was cached by the first call: only its last token is evaluated again.
    assert usage.cached_tokens == usage.prompt_tokens - 1
    # Three tokens is too short for an answer to end by itself: max_tokens cut it.
    assert usage.completion_tokens == 3
    assert finish == FinishChunk("length")


def engine_with(**settings: object) -> LocalLlamaEngine:
    return LocalLlamaEngine(LocalLlmConfig(contexts=1, n_threads=1, **settings))  # type: ignore[arg-type]


SAMPLED = ask("sampling", "Describe your ideal team in a few sentences.")


async def texts(engine: LocalLlamaEngine, sampling: Sampling, runs: int) -> list[str]:
    out = []
    for _ in range(runs):
        out.append("".join([t async for t in text_of(engine.stream(SAMPLED, sampling=sampling))]))
    return out


@pytest.mark.parametrize(
    ("settings", "request_top_p"),
    [
        ({"top_k": 1}, 1.0),  # only the likeliest token left to sample
        ({"min_p": 1.0, "top_k": 0}, 1.0),  # only tokens as likely as the likeliest one
        ({"top_k": 0, "min_p": 0.0}, 1e-6),  # the request's top_p keeps only the likeliest
    ],
    ids=["top_k", "min_p", "top_p"],
)
async def test_each_sampling_setting_takes_effect(
    settings: dict[str, object], request_top_p: float
) -> None:
    """At temperature 2 any of these settings alone makes sampling greedy; without them (the
    control) temperature 2 wanders. So each one, and the temperature, reach llama.cpp."""
    eng = engine_with(**settings)
    try:
        # Same cache state for every compared run: the prompt cached, its last token redone.
        (reference,) = (await texts(eng, greedy(16), 2))[-1:]
        hot = Sampling(max_tokens=16, temperature=2.0, top_p=request_top_p)
        assert await texts(eng, hot, 3) == [reference] * 3
    finally:
        await eng.aclose()
    control = engine_with(top_k=0, min_p=0.0)
    try:
        (reference,) = (await texts(control, greedy(16), 2))[-1:]
        wandering = await texts(control, Sampling(max_tokens=16, temperature=2.0, top_p=1.0), 3)
        assert any(text != reference for text in wandering)
    finally:
        await control.aclose()


async def test_repeat_penalty_changes_a_repetitive_answer() -> None:
    prompt = [ChatMessage("user", "List ten programming languages.")]
    outputs = []
    for penalty in (1.0, 1.5):
        eng = engine_with(repeat_penalty=penalty)
        try:
            stream = text_of(eng.stream(prompt, sampling=greedy(40)))
            outputs.append("".join([t async for t in stream]))
        finally:
            await eng.aclose()
    plain, penalised = outputs
    # Unpenalised, a numbered list ("1. Python\n2. Java\n..."); penalised, the repeated newline
    # and list markers soon give way to prose.
    assert plain.count("\n") >= 5
    assert penalised.count("\n") < plain.count("\n")


LONG_PROMPT = [
    # ~1,300 tokens: a cold prefill of several seconds, whatever the machine's speed.
    ChatMessage("system", "[chunks] " + "Led the payments migration and mentored juniors. " * 140),
    ChatMessage("user", "Summarize."),
]


@pytest.mark.parametrize("priority", [Priority.LIVE, Priority.BACKGROUND])
async def test_prefill_steps_follow_the_request_priority(priority: Priority) -> None:
    # Odd step sizes, so that the number of tokens evaluated before a cancellation shows which.
    eng = engine_with(prefill_chunk=50, background_prefill_chunk=7)
    step = 50 if priority == Priority.LIVE else 7
    try:
        await answer(eng, [ChatMessage("user", "load")], max_tokens=1)
        stream = eng.stream(LONG_PROMPT, sampling=greedy(8), priority=priority)

        async def first() -> LlmChunk:
            return await anext(stream)

        task = asyncio.create_task(first())
        await asyncio.sleep(1.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await stream.aclose()  # type: ignore[attr-defined]
        stats = last(eng, "stream")
        assert stats.outcome == "cancelled"
        assert 0 < stats.evaluated_tokens < stats.prompt_tokens
        assert stats.evaluated_tokens % step == 0
    finally:
        await eng.aclose()


async def test_a_live_request_takes_the_only_context_back_from_background_work() -> None:
    eng = engine_with()
    try:
        await answer(eng, [ChatMessage("user", "load")], max_tokens=1)
        got: list[str] = []

        async def background() -> None:
            sampling = Sampling(max_tokens=300, temperature=0.7)
            stream = eng.stream(LONG_PROMPT[1:], sampling=sampling, priority=Priority.BACKGROUND)
            async for text in text_of(stream):
                got.append(text)

        task = asyncio.create_task(background())
        while len(got) < 3:
            await asyncio.sleep(0.01)
        started = time.perf_counter()
        live = await answer(eng, ask("preempt", "Why Go?"), max_tokens=4)
        assert live
        with pytest.raises(Preempted) as info:
            await task
        assert info.value.retryable
        bg = next(s for s in reversed(eng.history) if s.priority == Priority.BACKGROUND)
        assert bg.outcome == "preempted"
        assert bg.generated_tokens < 300
        assert eng.scheduler.preemptions == 1
        # The live answer waited for one background token at most, not for the rest of it.
        assert last(eng, "stream").first_token_s is not None
        assert time.perf_counter() - started < 5
        assert all_free(eng)
    finally:
        await eng.aclose()
