"""The scripted LLM (timing and control-flow double), the engine factory and model-free helpers."""

from __future__ import annotations

import asyncio
import time

import pytest
from pydantic import SecretStr

from firstword.config import LlmConfig, LocalLlmConfig, OpenAiLlmConfig, Sampling, ScriptedLlmConfig
from firstword.llm.base import (
    ChatMessage,
    FinishChunk,
    LlmChunk,
    LlmError,
    TextChunk,
    ToolCallChunk,
    UsageChunk,
    text_of,
)
from firstword.llm.factory import create_llm
from firstword.llm.llama_local import (
    LocalLlamaEngine,
    bundled_model_path,
    common_prefix_len,
    format_chatml,
)
from firstword.llm.openai_compat import OpenAiCompatEngine, _safe_url
from firstword.llm.scripted import ScriptedLlm

QUESTION = [ChatMessage("system", "be brief"), ChatMessage("user", "why?")]
SAMPLING = Sampling(max_tokens=50, temperature=0.2)
SHORT = Sampling(max_tokens=5, temperature=0.0)


class FakeClock:
    """A sleep that returns at once and records what it was asked to wait."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)


async def collect(llm: ScriptedLlm, messages: list[ChatMessage] = QUESTION) -> list[str]:
    return [d async for d in text_of(llm.stream(messages, sampling=SAMPLING))]


async def test_yields_script_and_records_call() -> None:
    clock = FakeClock()
    llm = ScriptedLlm(reply=["a", "b", "c"], ttft_s=0.3, interval_s=0.05, sleep=clock.sleep)
    assert await collect(llm) == ["a", "b", "c"]
    assert clock.sleeps == [0.3, 0.05, 0.05]
    assert llm.calls == [QUESTION]
    assert llm.call_args[0].sampling == SAMPLING
    assert (llm.completed, llm.cancelled, llm.failed, llm.active) == (1, 0, 0, 0)


async def test_call_is_a_snapshot_of_the_messages() -> None:
    llm = ScriptedLlm(reply=["x"])
    messages = list(QUESTION)
    stream = text_of(llm.stream(messages, sampling=SHORT))
    messages.append(ChatMessage("user", "later"))
    assert [d async for d in stream] == ["x"]
    assert llm.calls == [QUESTION]


async def test_callable_reply_sees_the_messages() -> None:
    llm = ScriptedLlm(reply=lambda messages: [messages[-1].content.upper(), "!"])
    assert await collect(llm) == ["WHY?", "!"]


async def test_real_clock_timing() -> None:
    llm = ScriptedLlm(reply=["a", "b"], ttft_s=0.05, interval_s=0.02)
    start = time.perf_counter()
    stamps = []
    async for _ in text_of(llm.stream(QUESTION, sampling=SHORT)):
        stamps.append(time.perf_counter() - start)
    assert 0.045 <= stamps[0] < 0.5
    assert stamps[1] - stamps[0] >= 0.015


async def test_fail_after_raises_mid_stream() -> None:
    llm = ScriptedLlm(reply=["a", "b", "c"], fail_after=2, sleep=FakeClock().sleep)
    got: list[str] = []
    with pytest.raises(LlmError, match="after 2 deltas") as info:
        async for delta in text_of(llm.stream(QUESTION, sampling=SHORT)):
            got.append(delta)
    assert got == ["a", "b"]
    assert info.value.retryable
    assert (llm.failed, llm.completed, llm.cancelled) == (1, 0, 0)


@pytest.mark.parametrize(
    ("reply", "fail_after", "expect"),
    [
        ([], 0, []),  # fails before any text
        (["a", "b"], 2, ["a", "b"]),  # fails after the whole text, before the end
    ],
)
async def test_fail_after_edges(reply: list[str], fail_after: int, expect: list[str]) -> None:
    llm = ScriptedLlm(reply=reply, fail_after=fail_after, sleep=FakeClock().sleep)
    got: list[str] = []
    with pytest.raises(LlmError):
        async for delta in text_of(llm.stream(QUESTION, sampling=SHORT)):
            got.append(delta)
    assert got == expect


async def test_fail_after_beyond_script_never_fails() -> None:
    llm = ScriptedLlm(reply=["a"], fail_after=5, sleep=FakeClock().sleep)
    assert await collect(llm) == ["a"]
    assert llm.failed == 0


async def test_aclose_counts_as_cancelled() -> None:
    llm = ScriptedLlm(reply=["a", "b", "c"], sleep=FakeClock().sleep)
    stream = text_of(llm.stream(QUESTION, sampling=SHORT))
    assert await anext(stream) == "a"
    await stream.aclose()  # type: ignore[attr-defined]
    assert (llm.cancelled, llm.completed, llm.active) == (1, 0, 0)


async def test_task_cancellation_counts_as_cancelled() -> None:
    llm = ScriptedLlm(reply=["a", "b"], ttft_s=0.0, interval_s=10.0)
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in text_of(llm.stream(QUESTION, sampling=SHORT)):
            first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 1.0)
    assert llm.active == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (llm.cancelled, llm.active) == (1, 0)


async def test_concurrent_streams_are_independent() -> None:
    llm = ScriptedLlm(reply=lambda m: [m[-1].content, "."], ttft_s=0.01, interval_s=0.01)
    a = [ChatMessage("user", "one")]
    b = [ChatMessage("user", "two")]
    got = await asyncio.gather(collect(llm, a), collect(llm, b))
    assert got == [["one", "."], ["two", "."]]
    assert llm.completed == 2


async def test_warm_and_close_are_recorded() -> None:
    llm = ScriptedLlm()
    await llm.warm(QUESTION[:1])
    assert llm.warmed == [QUESTION[:1]]
    assert llm.warm_calls == 1
    await llm.aclose()
    with pytest.raises(LlmError, match="closed"):
        text_of(llm.stream(QUESTION, sampling=SHORT))


async def test_stream_is_typed_chunks_ending_in_one_finish() -> None:
    llm = ScriptedLlm(reply=["I led", " the move", "."], sleep=FakeClock().sleep)
    chunks: list[LlmChunk] = [c async for c in llm.stream(QUESTION, sampling=SAMPLING)]
    assert chunks == [
        TextChunk("I led"),
        TextChunk(" the move"),
        TextChunk("."),
        # Words stand for tokens: "be brief" + "why?" in, "I led the move ." out.
        UsageChunk(prompt_tokens=3, completion_tokens=5, cached_tokens=None),
        FinishChunk("stop"),
    ]


async def test_text_of_keeps_text_and_closing_it_stops_the_model() -> None:
    llm = ScriptedLlm(reply=["a", "b", "c"], sleep=FakeClock().sleep)
    text = text_of(llm.stream(QUESTION, sampling=SAMPLING))
    assert await anext(text) == "a"
    await text.aclose()  # type: ignore[attr-defined]
    assert (llm.cancelled, llm.active, llm.completed) == (1, 0, 0)
    # Run to the end, it drops the usage and finish chunks.
    assert await collect(llm) == ["a", "b", "c"]


def test_tool_call_arguments_are_parsed_or_refused_clearly() -> None:
    call = ToolCallChunk("call_1", "search_repo", '{"query": "retry", "limit": 3}')
    assert call.arguments() == {"query": "retry", "limit": 3}
    assert ToolCallChunk("call_2", "now", "").arguments() == {}
    with pytest.raises(LlmError, match=r"'search_repo' \(call_3\) has arguments that are not JSON"):
        ToolCallChunk("call_3", "search_repo", '{"query": "ret').arguments()
    with pytest.raises(LlmError, match="a JSON list, not an object"):
        ToolCallChunk("call_4", "search_repo", "[1, 2]").arguments()


def test_sampling_lives_in_config_and_reads_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from firstword.config import load_settings

    assert "max_tokens" not in LlmConfig.model_fields
    assert "temperature" not in LlmConfig.model_fields
    monkeypatch.setenv("FIRSTWORD_LLM__SAMPLING__MAX_TOKENS", "64")
    monkeypatch.setenv("FIRSTWORD_LLM__SAMPLING__TOP_P", "0.5")
    monkeypatch.setenv("FIRSTWORD_LLM__LOCAL__TOP_K", "7")
    settings = load_settings()
    assert settings.llm.sampling == Sampling(max_tokens=64, temperature=0.3, top_p=0.5)
    assert settings.llm.local.top_k == 7


async def test_factory_gives_the_scripted_engine_its_configured_capacity() -> None:
    llm = create_llm(LlmConfig(engine="scripted", scripted=ScriptedLlmConfig(capacity=3)))
    assert isinstance(llm, ScriptedLlm)
    assert llm.scheduler.capacity == 3
    remote = create_llm(LlmConfig(engine="openai", openai=OpenAiLlmConfig(max_concurrent=2)))
    assert isinstance(remote, OpenAiCompatEngine)
    assert remote.scheduler.capacity == 2
    await remote.aclose()


# ----- factory and model-free helpers of the real engines -------------------------------------


async def test_factory_builds_the_configured_engine() -> None:
    local = create_llm(LlmConfig(engine="local"))
    assert isinstance(local, LocalLlamaEngine)
    assert local.name == "local"
    assert local.model_path == bundled_model_path()
    await local.aclose()
    remote = create_llm(LlmConfig(engine="openai"))
    assert isinstance(remote, OpenAiCompatEngine)
    assert remote.name == "openai"
    await remote.aclose()


def test_local_engine_rejects_a_missing_model_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "nope.gguf"
    with pytest.raises(LlmError, match="model file not found") as info:
        LocalLlamaEngine(LocalLlmConfig(model_path=str(missing)))
    assert str(missing) in str(info.value)


def test_chatml_prefix_is_a_text_prefix() -> None:
    system = [ChatMessage("system", "S")]
    full = format_chatml([*system, ChatMessage("user", "Q")], generation_prompt=True)
    assert full == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n" + (
        "<|im_start|>assistant\n"
    )
    assert full.startswith(format_chatml(system, generation_prompt=False))


def test_common_prefix_len() -> None:
    assert common_prefix_len([1, 2, 3], [1, 2, 4]) == 2
    assert common_prefix_len([], [1]) == 0
    assert common_prefix_len([1, 2], [1, 2, 3]) == 2


def test_safe_url_drops_credentials() -> None:
    assert _safe_url("https://user:pw@api.example.com:8443/v1?key=abc") == (
        "https://api.example.com:8443/v1"
    )


def test_openai_engine_keeps_the_key_secret() -> None:
    engine = OpenAiCompatEngine(OpenAiLlmConfig(api_key=SecretStr("sk-test-SECRET-123456")))
    assert "SECRET" not in repr(engine.config)
    assert engine._scrub("rejected key sk-test-SECRET-123456") == "rejected key ***"
