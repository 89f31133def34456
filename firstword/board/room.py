"""The board room of one session: typed questions answered by one advisor or by the whole board
in turn, each answer streamed as the session's events, tools reporting progress as they run, and
the action items agreed so far extracted by rules at the end of each turn.

Cancellation rule (the same as the copilot's): stopping cancels the answer being written and the
ones still waiting; what was shown stays, marked cancelled; the tool call of a stopped answer is
cancelled with it. A new question waits for the previous one's answers to finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from firstword.actions.extract import Utterance, extract
from firstword.board.chat import ChatEngine, ReplyContext
from firstword.board.events import (
    Finished,
    TextDelta,
    ToolCallDone,
    ToolCallFailed,
    ToolCallProgress,
    ToolCallStarted,
)
from firstword.board.prompt import dossier
from firstword.critic.critic import AnswerCritic
from firstword.events import (
    ActionItem,
    ActionsExtracted,
    AnswerCancelled,
    AnswerCorrected,
    AnswerDelta,
    AnswerDone,
    AnswerRetracted,
    AnswerStarted,
    AnswerTrigger,
    CancelReason,
    ErrorPayload,
    Event,
    EventType,
    Message,
    ToolDone,
    ToolFailed,
    ToolProgress,
    ToolStarted,
    TurnLatency,
)
from firstword.events.wire import ErrorCode
from firstword.grounding.facts import FactBase
from firstword.hub.log import EventLog
from firstword.llm.base import ChatMessage, LlmError, Priority
from firstword.answerer.personas import current_personas
from firstword.personas import Persona
from firstword.prefetch.prefetcher import NotPreparable, Prepared
from firstword.turns.manager import PreparedAnswers

log = logging.getLogger("firstword.board")

USER = "You"


@dataclass
class Said:
    """One line of the conversation: the user's question or an advisor's answer."""

    kind: Literal["user", "answer"]
    text: str
    turn: int
    seq: int
    persona: Persona | None = None
    answer_id: int | None = None
    status: Literal["streaming", "done", "cancelled", "failed"] = "done"
    # Struck sentences: (start, end, reason, correction or "").
    struck: list[tuple[int, int, str, str]] = field(default_factory=list)
    tools: list[dict[str, Any]] = field(default_factory=list)

    @property
    def standing(self) -> str:
        """The text without its struck sentences (corrections in their place): what later
        prompts and the action items read, so a retracted claim is never built upon."""
        text = self.text
        for start, end, _, correction in sorted(self.struck, reverse=True):
            text = text[:start] + correction + text[end:]
        return " ".join(text.split())


class BoardRoom:
    def __init__(
        self,
        *,
        session_id: str,
        log: EventLog,
        chat: ChatEngine,
        facts: Callable[[], FactBase],
        dossier_chars: int,
        allocate_turn: Callable[[], int],
        allocate_answer: Callable[[], int],
        critic: AnswerCritic | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.session_id = session_id
        self._log = log
        self._chat = chat
        self._facts = facts
        self._dossier_chars = dossier_chars
        self._allocate_turn = allocate_turn
        self._allocate_answer = allocate_answer
        self._critic = critic
        self._today = today
        self.said: list[Said] = []
        self.items: list[ActionItem] = []
        self._item_keys: set[str] = set()
        self._by_answer: dict[int, Said] = {}
        self._dossier: tuple[int, str] | None = None
        self._queue: asyncio.Lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        # Answers written ahead for predicted follow-ups (``firstword.prefetch``), set by the
        # session; keyed "board:<persona id>".
        self.prefetch: PreparedAnswers | None = None
        log.add_listener(self._amend)

    # ----- asking -----------------------------------------------------------------------------

    def ask(self, text: str, personas: list[Persona]) -> int:
        """Publish the question now and answer it (after any question still being answered);
        returns its turn."""
        if self._closed:
            raise RuntimeError("the board room is closed")
        turn = self._allocate_turn()
        asked_at = time.perf_counter()
        event = self._log.publish(Message(text=text, to=[p.id for p in personas]), turn)
        self.said.append(Said("user", text, turn, event.seq))
        task = asyncio.get_running_loop().create_task(self._answer_all(turn, text, personas, asked_at))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return turn

    def stop(self) -> int:
        """Cancel the answer being written and those waiting; returns how many were stopped."""
        stopped = 0
        for task in list(self._tasks):
            if not task.done():
                task.cancel()
                stopped += 1
        return stopped

    async def aclose(self) -> None:
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def dossier(self) -> str:
        facts = self._facts()
        if self._dossier is None or self._dossier[0] != id(facts):
            self._dossier = (id(facts), dossier(facts, self._dossier_chars))
        return self._dossier[1]

    async def warm(self, persona: Persona) -> None:
        await self._chat.warm(persona, self.dossier())

    # ----- answering --------------------------------------------------------------------------

    async def _answer_all(self, turn: int, question: str, personas: list[Persona], asked_at: float) -> None:
        async with self._queue:
            for persona in personas:
                await self._answer(turn, question, persona, asked_at)
                asked_at = time.perf_counter()
            self._extract_actions(turn)

    async def prepare(self, persona_id: str, question: str) -> AsyncIterator[str]:
        """The persona's answer to a predicted question, written now at background priority with
        the conversation so far (``firstword.prefetch``). An answer that would call a tool is not
        written ahead: tools act, and their progress belongs in view."""
        persona = current_personas().find(persona_id)
        if persona is None:
            raise NotPreparable(f"no persona {persona_id!r}")
        context = ReplyContext(
            history=self._history_for(persona, before_turn=1 << 30), dossier=self.dossier(), session_id=self.session_id
        )
        async with contextlib.aclosing(self._chat.reply(persona, question, context, priority=Priority.BACKGROUND)) as reply:
            async for part in reply:
                if isinstance(part, (ToolCallStarted, ToolCallFailed)):
                    raise NotPreparable(f"{persona_id} would use a tool for {question!r}")
                if isinstance(part, TextDelta):
                    yield part.text

    def _prepared(self, question: str, persona: Persona) -> Prepared | None:
        if self.prefetch is None:
            return None
        return self.prefetch.lookup(question, f"board:{persona.id}")

    async def _answer(self, turn: int, question: str, persona: Persona, asked_at: float) -> None:
        prepared = self._prepared(question, persona)
        if prepared is not None:
            self._show_prepared(turn, question, persona, asked_at, prepared)
            return
        if self.prefetch is not None:
            await self.prefetch.quiet()
        answer_id = self._allocate_answer()
        history = self._history_for(persona, before_turn=turn)
        started = self._log.publish(
            AnswerStarted(answer_id=answer_id, trigger=AnswerTrigger.MESSAGE, question=question, persona=persona.id),
            turn,
        )
        said = Said("answer", "", turn, started.seq, persona=persona, answer_id=answer_id, status="streaming")
        self.said.append(said)
        self._by_answer[answer_id] = said
        first_word_ms: float | None = None
        ttft: float | None = None
        context = ReplyContext(history=history, dossier=self.dossier(), session_id=self.session_id)
        try:
            async with contextlib.aclosing(self._chat.reply(persona, question, context)) as reply:
                async for part in reply:
                    if isinstance(part, TextDelta):
                        if first_word_ms is None:
                            first_word_ms = round((time.perf_counter() - asked_at) * 1000, 1)
                        if part.quoted and self._critic is not None and said.text == "":
                            self._critic.trust(answer_id, part.text)
                        said.text += part.text
                        self._log.publish(AnswerDelta(answer_id=answer_id, text=part.text), turn)
                    elif isinstance(part, ToolCallStarted):
                        said.tools.append({"call_id": part.call_id, "tool": part.tool, "arguments": part.arguments,
                                           "chosen_by": part.chosen_by, "progress": []})
                        self._log.publish(
                            ToolStarted(call_id=part.call_id, tool=part.tool, arguments=part.arguments, answer_id=answer_id),
                            turn,
                        )
                    elif isinstance(part, ToolCallProgress):
                        self._tool(said, part.call_id)["progress"].append(part.message)
                        self._log.publish(
                            ToolProgress(call_id=part.call_id, progress=part.progress, total=part.total, message=part.message),
                            turn,
                        )
                    elif isinstance(part, ToolCallDone):
                        self._tool(said, part.call_id).update(summary=part.summary, status="done")
                        if self._critic is not None:
                            self._critic.add_evidence(answer_id, part.output)
                        self._log.publish(
                            ToolDone(call_id=part.call_id, summary=part.summary, duration_ms=part.duration_ms), turn
                        )
                    elif isinstance(part, ToolCallFailed):
                        self._tool(said, part.call_id, part.tool).update(error=part.error, status="failed")
                        self._log.publish(
                            ToolFailed(call_id=part.call_id, error=part.error, duration_ms=part.duration_ms), turn
                        )
                    elif isinstance(part, Finished):
                        ttft = part.llm_ttft_ms
        except asyncio.CancelledError:
            said.status = "cancelled"
            self._log.publish(AnswerCancelled(answer_id=answer_id, reason=CancelReason.STOPPED, text=said.text), turn)
            raise
        except LlmError as exc:
            said.status = "failed"
            self._log.publish(
                ErrorPayload(code=ErrorCode.LLM_ERROR, message=str(exc), answer_id=answer_id, retryable=exc.retryable),
                turn,
            )
            self._log.publish(AnswerCancelled(answer_id=answer_id, reason=CancelReason.ERROR, text=said.text), turn)
            return
        said.status = "done"
        self._log.publish(AnswerDone(answer_id=answer_id, text=said.text, trigger=AnswerTrigger.MESSAGE), turn)
        self._log.publish(
            TurnLatency(
                question=question, segments=1, answers_cancelled=0, answer_id=answer_id,
                trigger=AnswerTrigger.MESSAGE, llm_ttft_ms=None if ttft is None else round(ttft, 1),
                e2e_first_word_ms=first_word_ms, persona=persona.id,
            ),
            turn,
        )

    def _show_prepared(self, turn: int, question: str, persona: Persona, asked_at: float, prepared: Prepared) -> None:
        """A hit: the answer written ahead is the answer, at once (the critic reads it as any)."""
        assert self.prefetch is not None
        self.prefetch.took(prepared)
        answer_id = self._allocate_answer()
        now = time.perf_counter()
        ago = round((time.monotonic() - prepared.ready_at) * 1000, 1)
        started = self._log.publish(
            AnswerStarted(
                answer_id=answer_id, trigger=AnswerTrigger.PREFETCHED, question=question, persona=persona.id,
                prepared_for=prepared.prediction.text, prepared_ago_ms=ago,
            ),
            turn,
        )
        said = Said("answer", prepared.text, turn, started.seq, persona=persona, answer_id=answer_id, status="done")
        self.said.append(said)
        self._by_answer[answer_id] = said
        self._log.publish(AnswerDelta(answer_id=answer_id, text=prepared.text), turn)
        first_word_ms = round((now - asked_at) * 1000, 1)
        self._log.publish(AnswerDone(answer_id=answer_id, text=prepared.text, trigger=AnswerTrigger.PREFETCHED), turn)
        self._log.publish(
            TurnLatency(
                question=question, segments=1, answers_cancelled=0, answer_id=answer_id,
                trigger=AnswerTrigger.PREFETCHED, e2e_first_word_ms=first_word_ms, persona=persona.id,
                prepared_ago_ms=ago,
            ),
            turn,
        )

    @staticmethod
    def _tool(said: Said, call_id: str, tool: str = "") -> dict[str, Any]:
        for call in said.tools:
            if call["call_id"] == call_id:
                return call
        call = {"call_id": call_id, "tool": tool, "arguments": {}, "chosen_by": "command", "progress": []}
        said.tools.append(call)
        return call

    def _history_for(self, persona: Persona, *, before_turn: int) -> list[ChatMessage]:
        """The conversation before this turn, as this persona reads it: its own answers as its
        own, the other advisors' quoted by name."""
        history: list[ChatMessage] = []
        for said in self.said:
            if said.turn >= before_turn:
                break
            text = said.standing
            if not text:
                continue
            if said.kind == "user":
                history.append(ChatMessage("user", text))
            elif said.persona is not None and said.persona.id == persona.id:
                history.append(ChatMessage("assistant", text))
            elif said.persona is not None:
                history.append(ChatMessage("user", f"{said.persona.name} ({said.persona.title}) answered: {text}"))
        return history

    # ----- what the critic struck --------------------------------------------------------------

    def _amend(self, event: Event) -> None:
        """Log listener: keep each answer's struck sentences, so history and exports match the
        screen."""
        if event.type not in (EventType.ANSWER_RETRACTED, EventType.ANSWER_CORRECTED):
            return
        try:
            if event.type == EventType.ANSWER_RETRACTED:
                retracted = event.payload(AnswerRetracted)
                said = self._by_answer.get(retracted.answer_id)
                if said is not None:
                    said.struck.append((retracted.start, retracted.end, retracted.reason.value, ""))
            else:
                corrected = event.payload(AnswerCorrected)
                said = self._by_answer.get(corrected.answer_id)
                if said is not None and said.struck and corrected.start is not None:
                    for i, (start, end, reason, _) in enumerate(said.struck):
                        if start == corrected.start:
                            said.struck[i] = (start, end, reason, corrected.text)
        except Exception:  # a listener must never raise into the log
            log.exception("board: could not read event %d", event.seq)

    # ----- action items -----------------------------------------------------------------------

    def transcript_lines(self) -> tuple[list[Utterance], list[int]]:
        """The conversation as ``Speaker: utterance`` lines (the user is "You"), and each line's
        event sequence number."""
        utterances: list[Utterance] = []
        seqs: list[int] = []
        for said in self.said:
            text = said.standing
            if not text or said.status == "failed":
                continue
            speaker = USER if said.kind == "user" else (said.persona.name if said.persona else "Advisor")
            utterances.append(Utterance(len(utterances) + 1, speaker, text, len(speaker) + 2))
            seqs.append(said.seq)
        return utterances, seqs

    def _extract_actions(self, turn: int) -> None:
        utterances, seqs = self.transcript_lines()
        found = extract(utterances, self._today())
        new: list[ActionItem] = []
        for item in found:
            key = " ".join(item.text.lower().split())
            if key in self._item_keys:
                continue
            self._item_keys.add(key)
            new.append(
                ActionItem(text=item.text, owner=item.owner, due=item.due, rule=item.rule,
                           source_seq=seqs[item.evidence.line - 1])
            )
        if new:
            self.items.extend(new)
            self._log.publish(ActionsExtracted(items=new), turn)
