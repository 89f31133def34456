"""One persona's reply: route or let the model choose a tool, run it with live progress, then
stream the model's answer from the dossier, the trimmed history and the tool's result.

Every transport (the board room's events, ``/v1/chat/completions``, ``/api/chat``) reads the same
``ChatEvent`` stream, so a reply means the same thing wherever it is read. Closing the stream
(``aclose()``) or cancelling the task that reads it stops the tool call and the model alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from firstword.board.events import (
    ChatEvent,
    Finished,
    TextDelta,
    ToolCallDone,
    ToolCallFailed,
    ToolCallProgress,
    ToolCallStarted,
    Usage,
)
from firstword.board.prompt import system_message, trim_history, user_message
from firstword.board.report import report
from firstword.board.routing import CommandError, Route, RouteContext, route
from firstword.config import Settings
from firstword.llm.base import (
    ChatMessage,
    FinishChunk,
    LlmEngine,
    Priority,
    TextChunk,
    ToolCallChunk,
    UsageChunk,
)
from firstword.personas import Persona
from firstword.tools.base import ToolError, ToolProgressUpdate, ToolRunner, ToolSpec

log = logging.getLogger("firstword.board")

# Rounds of native function calling before the model must answer: a model that keeps calling
# tools is stopped rather than looped (three covers "analyze, then look up a fact").
MAX_TOOL_ROUNDS = 3


@dataclass(frozen=True, slots=True)
class ReplyContext:
    """What a reply may draw on besides the question."""

    history: Sequence[ChatMessage] = ()
    dossier: str = ""
    # The stored conversation this reply belongs to (for /actions), if any.
    session_id: str | None = None


class ChatEngine:
    def __init__(self, llm: LlmEngine, settings: Settings, tools: ToolRunner | None) -> None:
        self._llm = llm
        self._settings = settings
        self._tools = tools
        self._specs: list[ToolSpec] | None = None
        self._call_ids = itertools.count(1)

    @property
    def llm(self) -> LlmEngine:
        return self._llm

    @property
    def reports_tools(self) -> bool:
        """Whether a routed tool's result is quoted (``board.after_tool``) rather than read by
        the model."""
        mode = self._settings.board.after_tool
        if mode != "auto":
            return mode == "report"
        local = self._settings.llm.local
        return self._llm.name == "local" and not local.model_path

    @property
    def native_tools(self) -> bool:
        """Whether the model chooses tools itself (function calling) rather than the rules."""
        return bool(getattr(self._llm, "supports_tools", False))

    async def tool_specs(self) -> list[ToolSpec]:
        if self._tools is None:
            return []
        if self._specs is None:
            try:
                self._specs = await self._tools.list_tools()
            except ToolError as exc:
                # No tools rather than no answer; listed again on the next reply.
                log.warning("tools unavailable: %s", exc)
                return []
        return self._specs

    async def warm(self, persona: Persona, dossier: str) -> None:
        await self._llm.warm([system_message(persona, dossier)], priority=Priority.LIVE)

    def reply(
        self, persona: Persona, question: str, context: ReplyContext, *, priority: Priority = Priority.LIVE
    ) -> AsyncIterator[ChatEvent]:
        return self._reply(persona, question, context, priority)

    async def _reply(
        self, persona: Persona, question: str, context: ReplyContext, priority: Priority
    ) -> AsyncIterator[ChatEvent]:
        specs = await self.tool_specs()
        available = _names(specs)
        routed: Route | None = None
        try:
            routed = route(
                question,
                persona,
                RouteContext(frozenset(available), context.session_id, self._default_root()),
            )
        except CommandError as exc:
            call_id = self._call_id()
            yield ToolCallFailed(call_id, question.split()[0], str(exc), 0.0)
            routed = None
        results: list[tuple[str, str]] = []
        if routed is not None:
            # aclosing: a reply closed mid-call must cancel the call now, not when the
            # generator is collected.
            async with contextlib.aclosing(self._run_tool(routed.tool, routed.arguments, routed.chosen_by)) as run:
                async for event in run:
                    yield event
                    if isinstance(event, ToolCallDone):
                        results.append((event.tool, event.output))
                    elif isinstance(event, ToolCallFailed):
                        results.append((event.tool, f"The tool failed: {event.error}"))
            question = routed.question
            if results and self.reports_tools:
                # The tool's own account is the answer (see firstword.board.report).
                text = report(routed.tool, routed.arguments, question, results[-1][1])
                yield TextDelta(text, quoted=True)
                yield Finished("stop", None)
                return
            cap = self._settings.board.tool_chars
            results = [(tool, _cut(output, cap)) for tool, output in results]
        messages = [
            system_message(persona, context.dossier),
            *trim_history(context.history, self._settings.board.history_chars),
            user_message(question, results),
        ]
        sampling = persona.sampling_over(self._settings.llm.sampling)
        schemas = None
        if self.native_tools and routed is None:
            allowed = [s for s in specs if s.name in persona.tools or f"{s.server}.{s.name}" in persona.tools]
            schemas = [_function_schema(s) for s in allowed] or None
        started = time.perf_counter()
        ttft: float | None = None
        # One Usage for the reply, summed over its rounds, just before it finishes.
        usage: Usage | None = None
        for round_ in range(MAX_TOOL_ROUNDS + 1):
            calls: list[ToolCallChunk] = []
            finish = "stop"
            written = ""
            chunks = self._llm.stream(
                messages, sampling=sampling, priority=priority,
                tools=schemas if round_ < MAX_TOOL_ROUNDS else None,
            )
            async with contextlib.aclosing(chunks) as stream:
                async for chunk in stream:
                    if isinstance(chunk, TextChunk):
                        if not chunk.text:
                            continue
                        if ttft is None:
                            ttft = (time.perf_counter() - started) * 1000
                        written += chunk.text
                        yield TextDelta(chunk.text)
                    elif isinstance(chunk, ToolCallChunk):
                        calls.append(chunk)
                    elif isinstance(chunk, UsageChunk):
                        usage = _add(usage, chunk)
                    elif isinstance(chunk, FinishChunk):
                        finish = chunk.reason
            if not calls:
                if usage is not None:
                    yield usage
                yield Finished(finish if finish != "tool_calls" else "stop", ttft)  # type: ignore[arg-type]
                return
            messages.append(ChatMessage("assistant", written, tool_calls=tuple(calls)))
            for call in calls:
                output = ""
                try:
                    arguments = call.arguments()
                except Exception as exc:  # the model wrote arguments that are not a JSON object
                    yield ToolCallFailed(call.call_id, call.name, str(exc), 0.0)
                    messages.append(ChatMessage("tool", f"error: {exc}", tool_call_id=call.call_id))
                    continue
                if call.name not in available:
                    error = f"no tool named {call.name!r}; the tools are: {', '.join(sorted(available)) or 'none'}"
                    yield ToolCallFailed(call.call_id, call.name, error, 0.0)
                    messages.append(ChatMessage("tool", f"error: {error}", tool_call_id=call.call_id))
                    continue
                async with contextlib.aclosing(self._run_tool(call.name, arguments, "model", call_id=call.call_id)) as run:
                    async for event in run:
                        yield event
                        if isinstance(event, ToolCallDone):
                            output = event.output
                        elif isinstance(event, ToolCallFailed):
                            output = f"error: {event.error}"
                messages.append(ChatMessage("tool", output, tool_call_id=call.call_id))
        if usage is not None:
            yield usage
        yield Finished("stop", ttft)

    async def _run_tool(
        self, tool: str, arguments: dict[str, Any], chosen_by: str, *, call_id: str | None = None
    ) -> AsyncIterator[ChatEvent]:
        call_id = call_id or self._call_id()
        yield ToolCallStarted(call_id, tool, arguments, chosen_by)
        started = time.perf_counter()
        if self._tools is None:
            yield ToolCallFailed(call_id, tool, "no tool servers are configured", 0.0)
            return
        updates: asyncio.Queue[ToolProgressUpdate] = asyncio.Queue()
        task = asyncio.ensure_future(self._tools.call(tool, arguments, on_progress=updates.put_nowait))
        try:
            while not task.done():
                getter = asyncio.ensure_future(updates.get())
                done, _ = await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    update = getter.result()
                    yield ToolCallProgress(call_id, update.progress, update.total, update.message)
                else:
                    getter.cancel()
            while not updates.empty():
                update = updates.get_nowait()
                yield ToolCallProgress(call_id, update.progress, update.total, update.message)
            elapsed = round((time.perf_counter() - started) * 1000, 1)
            try:
                outcome = task.result()
            except ToolError as exc:
                yield ToolCallFailed(call_id, tool, str(exc), elapsed)
                return
            except Exception as exc:  # a tool runner's own bug must not end the reply
                log.exception("tool %s failed unexpectedly", tool)
                yield ToolCallFailed(call_id, tool, f"the tool failed unexpectedly ({type(exc).__name__})", elapsed)
                return
            yield ToolCallDone(call_id, tool, outcome.summary, outcome.text, elapsed)
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    def _call_id(self) -> str:
        return f"call_{secrets.token_hex(4)}{next(self._call_ids)}"

    def _default_root(self) -> str:
        roots = self._settings.tools.roots
        return roots[0] if roots else "."


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit("\n", 1)[0] + f"\n[… cut: {len(text) - limit} more characters of the result]"


def _add(usage: Usage | None, chunk: UsageChunk) -> Usage:
    if usage is None:
        return Usage(chunk.prompt_tokens, chunk.completion_tokens, chunk.cached_tokens)
    cached = None if usage.cached_tokens is None and chunk.cached_tokens is None else (
        (usage.cached_tokens or 0) + (chunk.cached_tokens or 0)
    )
    return Usage(usage.prompt_tokens + chunk.prompt_tokens, usage.completion_tokens + chunk.completion_tokens, cached)


def _names(specs: Sequence[ToolSpec]) -> set[str]:
    names = {s.name for s in specs}
    names.update(f"{s.server}.{s.name}" for s in specs)
    return names


def _function_schema(spec: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": spec.name,
            "description": spec.description[:1024],
            "parameters": spec.input_schema or {"type": "object", "properties": {}},
        },
    }
