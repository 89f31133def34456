"""Engine for any OpenAI-compatible chat completions server (OpenAI, vLLM, Ollama, llama.cpp).

Streams ``chat.completions`` over SSE. Closing the iterator closes the HTTP response, which drops
the connection mid-stream, so the server sees the disconnect and stops generating.

At most ``max_concurrent`` streams are open at once, handed out by priority (``ModelScheduler``).
A paused stream stops reading the response between chunks (the server soon stops sending as the
socket's buffers fill); a revoked one closes its response and raises ``Preempted``.
"""

from __future__ import annotations

import logging

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import openai
from openai.types import CompletionUsage
from openai.types.chat.chat_completion_chunk import ChoiceDeltaToolCall

from firstword.config import OpenAiLlmConfig, Sampling
from firstword.llm.base import (
    ChatMessage,
    FinishChunk,
    FinishReason,
    LlmChunk,
    LlmError,
    Priority,
    TextChunk,
    ToolCallChunk,
    UsageChunk,
)
from firstword.llm.scheduler import ModelScheduler, Preempted


class OpenAiCompatEngine:
    name = "openai"

    def __init__(self, config: OpenAiLlmConfig) -> None:
        if config.max_concurrent < 1:
            raise LlmError("llm.openai.max_concurrent must be at least 1")
        self.config = config
        self._secret = config.api_key.get_secret_value()
        self._where = _safe_url(config.base_url)
        self.scheduler = ModelScheduler(config.max_concurrent)
        self._client = openai.AsyncOpenAI(
            base_url=config.base_url,
            api_key=self._secret,
            timeout=config.timeout_s,
            # A retry would resend the prompt after the user is already waiting; the answerer
            # decides whether to retry (LlmError.retryable), with the turn's timing in view.
            max_retries=0,
        )

    async def warm(self, prefix: list[ChatMessage], *, priority: Priority = Priority.LIVE) -> None:
        """Does nothing: the cache lives in the server, not here.

        vLLM (automatic prefix caching), llama.cpp server (cache_prompt) and OpenAI (prompt
        caching) already reuse a repeated prompt prefix on their own. Priming it with a dummy
        request would cost a paid call or a server slot per session and profile change, for a
        cache that a shared server may evict before the question comes anyway.
        """

    def stream(
        self,
        messages: list[ChatMessage],
        *,
        sampling: Sampling,
        priority: Priority = Priority.LIVE,
        tools: list[dict[str, Any]] | None = None,
    ) -> AsyncIterator[LlmChunk]:
        return self._stream(list(messages), sampling, priority, tools)

    supports_tools = True

    def _request(
        self, messages: list[ChatMessage], sampling: Sampling, tools: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.config.model,
            "messages": [_wire_message(m) for m in messages],
            # max_tokens rather than max_completion_tokens: every compatible server
            # (llama.cpp, vLLM, Ollama) understands it; some ignore the newer name.
            "max_tokens": sampling.max_tokens,
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "stream": True,
        }
        if self.config.stream_usage:
            request["stream_options"] = {"include_usage": True}
        if tools:
            request["tools"] = tools
        return request

    async def _stream(
        self,
        messages: list[ChatMessage],
        sampling: Sampling,
        priority: Priority,
        tools: list[dict[str, Any]] | None = None,
    ) -> AsyncIterator[LlmChunk]:
        lease = await self.scheduler.acquire(priority)
        try:
            # A request that is already paused (a live answer arrived while it queued) is not
            # sent until it may run.
            if not await lease.wait_runnable_async():
                raise Preempted(f"LLM server at {self._where}: {_PREEMPTED}")
            failure: LlmError | None = None
            try:
                response = await self._client.chat.completions.create(
                    **self._request(messages, sampling, tools)
                )
            except Exception as exc:  # noqa: BLE001 - the contract is: every failure is an LlmError
                failure = self._error(exc, streaming=False)
            if failure is not None:
                raise failure
            calls = _ToolCalls()
            finish: str | None = None
            usage: CompletionUsage | None = None
            preempted = False
            try:
                async for chunk in response:
                    # Paused, the response is not read: the server's writes back up and stop.
                    if not await lease.wait_runnable_async():
                        preempted = True
                        break
                    if chunk.usage is not None:
                        usage = chunk.usage
                    for choice in chunk.choices:
                        if choice.index != 0:
                            continue
                        delta = choice.delta
                        if delta is not None and delta.content:
                            yield TextChunk(delta.content)
                        if delta is not None and delta.tool_calls:
                            for fragment in delta.tool_calls:
                                for call in calls.add(fragment):
                                    yield call
                        if choice.finish_reason is not None:
                            finish = choice.finish_reason
                            for call in calls.flush():
                                yield call
            except LlmError as exc:
                failure = exc
            except Exception as exc:  # noqa: BLE001 - e.g. a malformed SSE payload, not only HTTP
                failure = self._error(exc, streaming=True)
            finally:
                # Reached on completion, error, aclose() or cancellation alike; on the last two
                # this drops the connection, which is how the server learns to stop generating.
                await response.close()
            if preempted:
                raise Preempted(f"LLM server at {self._where}: {_PREEMPTED}")
            if failure is not None:
                raise failure
            if finish is None:
                raise LlmError(
                    f"LLM server at {self._where} ended the stream before the answer finished",
                    retryable=True,
                )
            # Usage comes after the finish (OpenAI sends it in a last chunk of its own), so the
            # stream's own end is where both are known.
            if usage is not None:
                details = usage.prompt_tokens_details
                yield UsageChunk(
                    prompt_tokens=usage.prompt_tokens,
                    completion_tokens=usage.completion_tokens,
                    cached_tokens=details.cached_tokens if details is not None else None,
                )
            yield FinishChunk(_finish_reason(finish, calls.emitted))
        finally:
            self.scheduler.release(lease)

    async def aclose(self) -> None:
        await self._client.close()

    def _error(self, exc: Exception, *, streaming: bool) -> LlmError:
        """An LlmError naming the server and the kind of failure in fixed words.

        The provider's own text never goes into it: it reaches the owner and every observer
        (``llm_error``), and a provider may echo the key it refused in any form, lower-cased or
        cut short, which no scrub can be sure to catch. That text is logged here, on the server.
        The callers raise the error outside their ``except`` blocks, so the original exception
        (whose request carries the key in its headers) is not even its ``__context__``.
        """
        log.warning("LLM server at %s: %s", self._where, self._scrub(f"{type(exc).__name__}: {_raw_text(exc)}"))
        retryable = True
        if isinstance(exc, openai.APITimeoutError):
            detail = f"timed out after {self.config.timeout_s:g} s"
        elif isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc.__context__
            detail = ("connection lost" if streaming else "connection failed") + (
                f" ({type(cause).__name__})" if cause else ""
            )
        elif isinstance(exc, openai.APIStatusError):
            retryable = exc.status_code == 429 or exc.status_code >= 500
            detail = f"HTTP {exc.status_code}: {_status_meaning(exc.status_code)}"
        else:
            retryable = False
            detail = f"its response could not be read ({type(exc).__name__}; the server's log has the details)"
        what = "stream broke off" if streaming else "request failed"
        message = f"LLM server at {self._where}: {what}: {detail}"
        return LlmError(self._scrub(message), retryable=retryable)

    def _scrub(self, text: str) -> str:
        # Servers sometimes echo the key they rejected; a short or empty "key" ("not-needed",
        # "") is not a secret worth mangling messages for.
        if len(self._secret) >= 8:
            text = text.replace(self._secret, "***")
        return text


log = logging.getLogger("firstword.llm")

_PREEMPTED = "stream stopped, the model was needed for higher-priority work"


def _wire_message(message: ChatMessage) -> dict[str, Any]:
    wire: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        wire["tool_calls"] = [
            {"id": c.call_id, "type": "function", "function": {"name": c.name, "arguments": c.arguments_json}}
            for c in message.tool_calls
        ]
    if message.tool_call_id is not None:
        wire["tool_call_id"] = message.tool_call_id
    return wire


def _finish_reason(reason: str, tool_calls: int) -> FinishReason:
    if reason in ("tool_calls", "function_call"):
        return "tool_calls"
    if reason == "length":
        return "length"
    # Some servers (Ollama among them) say "stop" after writing tool calls.
    return "tool_calls" if tool_calls else "stop"


@dataclass
class _PartialCall:
    call_id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass
class _ToolCalls:
    """Assembles streamed tool-call fragments (``delta.tool_calls``) into whole calls.

    A call's first fragment carries its index, id and name; later ones carry pieces of its JSON
    arguments. Calls are streamed one after another, so a call is complete when a later index
    starts or when the choice finishes.
    """

    pending: dict[int, _PartialCall] = field(default_factory=dict)
    emitted: int = 0

    def add(self, fragment: ChoiceDeltaToolCall) -> list[ToolCallChunk]:
        done: list[ToolCallChunk] = []
        if fragment.index not in self.pending:
            done = self._take(lambda index: index < fragment.index)
            self.pending[fragment.index] = _PartialCall()
        call = self.pending[fragment.index]
        if fragment.id and not call.call_id:
            call.call_id = fragment.id
        if fragment.function is not None:
            # The name comes whole in the first fragment; some servers repeat it later.
            if fragment.function.name and not call.name:
                call.name = fragment.function.name
            if fragment.function.arguments:
                call.arguments.append(fragment.function.arguments)
        return done

    def flush(self) -> list[ToolCallChunk]:
        return self._take(lambda index: True)

    def _take(self, which: Callable[[int], bool]) -> list[ToolCallChunk]:
        done: list[ToolCallChunk] = []
        for index in sorted(i for i in self.pending if which(i)):
            call = self.pending.pop(index)
            if not call.name:
                raise LlmError(f"the model streamed a tool call (index {index}) without a name")
            done.append(
                ToolCallChunk(
                    call_id=call.call_id or f"call_{index}",
                    name=call.name,
                    arguments_json="".join(call.arguments),
                )
            )
        self.emitted += len(done)
        return done


def _status_meaning(status: int) -> str:
    if status in (401, 403):
        return "the server refused the API key (llm.openai.api_key)"
    if status == 404:
        return "no such model or endpoint (llm.openai.model, llm.openai.base_url)"
    if status == 429:
        return "rate limited or out of quota"
    if status >= 500:
        return "the server failed"
    return "the server refused the request (the server's log has its message)"


def _raw_text(exc: Exception) -> str:
    return _server_message(exc) if isinstance(exc, openai.APIStatusError) else str(exc)


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        if isinstance(body.get("message"), str):
            return body["message"]
        if isinstance(body.get("detail"), str):
            return body["detail"]
    return exc.message


def _safe_url(url: str) -> str:
    """The base URL without userinfo, query or fragment (places where credentials hide)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
