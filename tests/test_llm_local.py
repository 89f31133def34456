"""The local llama.cpp engine on the bundled SmolLM2-135M model."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from firstword.config import LocalLlmConfig
from firstword.llm.base import ChatMessage, LlmError
from firstword.llm.llama_local import EvalStats, LocalLlamaEngine, format_chatml

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


async def answer(
    engine: LocalLlamaEngine, messages: list[ChatMessage], max_tokens: int = 24
) -> list[str]:
    return [d async for d in engine.stream(messages, max_tokens=max_tokens, temperature=0.0)]


def last(engine: LocalLlamaEngine, kind: str) -> EvalStats:
    return next(s for s in reversed(engine.history) if s.kind == kind)


def all_free(engine: LocalLlamaEngine) -> bool:
    return not engine._jobs and not any(s.busy for s in engine._slots)


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
    stream = engine.stream(messages, max_tokens=400, temperature=0.7)
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
        async for _ in engine.stream(messages, max_tokens=50, temperature=0.0):
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
