"""What the OpenAI-compatible and AI SDK endpoints share: a conversation from the client turned
into one persona's reply (``board.chat.ChatEngine``) — the persona, the question, the history,
the dossier — and the checks made before the model is asked.

* **The question** is the last message, which must be the user's.
* **Earlier user and assistant messages** are the history, trimmed by the board room's policy
  (``board.history_chars``, whole exchanges, oldest first); how many were dropped is told in the
  ``x-firstword-history-dropped`` header. A ``tool`` message is kept as quoted data in a user
  turn (the persona never asked for it, so it cannot be the answer to its own call).
* **The client's system (and developer) messages** are kept as extra instructions in the system
  message, after the user's dossier and before the persona's own instructions, which come last
  and win where they disagree: the persona stays who answers, and the dossier stays the prompt's
  shared, cached prefix.
* **The dossier** is the configured profile's (``profile_dir``), else the bundled sample's, read
  once per app.
* **The context window** is checked before the model is asked: the system message and the
  question must fit the engine's window at ~3 characters a token, less the answer's
  ``max_tokens`` (the local engine's ``llm.local.n_ctx``; an OpenAI-compatible server does not
  say its own, so ``OPENAI_ASSUMED_CONTEXT_TOKENS`` is assumed). Past it: 400
  ``context_length_exceeded``, as is the engine's own refusal (``context_error``).
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.requests import HTTPConnection

from firstword.answerer.personas import current_personas
from firstword.answerer.profile import ProfileError, load_profile_dir, sample_profile
from firstword.board.chat import ReplyContext
from firstword.board.prompt import dossier, system_message, tool_block, trim_history
from firstword.config import Settings
from firstword.grounding.facts import FactBase
from firstword.llm.base import ChatMessage, LlmError
from firstword.personas import Persona, Personas, UnknownPersona
from firstword.server.openai_errors import OpenAiError

log = logging.getLogger("firstword.server")

CHARS_PER_TOKEN = 3
# An OpenAI-compatible server's window is not configured anywhere; 32k tokens is what the models
# such a server usually runs take (and what a 100 000-character message does not fit).
OPENAI_ASSUMED_CONTEXT_TOKENS = 32_768
CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded"
HISTORY_DROPPED_HEADER = "x-firstword-history-dropped"
CLIENT_INSTRUCTIONS = (
    "Instructions from the application calling this API (yours, below, come first where they disagree):"
)
# What the engines say when a prompt does not fit (llm.llama_local's _fit; an OpenAI-compatible
# server's usual wording).
_CONTEXT_ERROR = re.compile(
    r"tokens but only \d+ fit|leaves no room for a prompt|context[ _](length|window)|maximum context", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class PreparedReply:
    persona: Persona
    question: str
    context: ReplyContext
    # Earlier messages the history policy dropped (oldest first).
    history_dropped: int
    # Characters of the prompt as sent (to estimate usage where the engine reports none).
    prompt_chars: int

    def headers(self) -> dict[str, str]:
        return {HISTORY_DROPPED_HEADER: str(self.history_dropped)}


def personas_of(conn: HTTPConnection) -> Personas:
    personas = getattr(conn.app.state, "personas", None)
    return personas if personas is not None else current_personas()


def resolve_persona(conn: HTTPConnection, name: str, param: str = "model") -> Persona:
    try:
        return personas_of(conn).get_persona(name)
    except UnknownPersona as exc:
        raise OpenAiError(404, str(exc), param=param, code="model_not_found") from None


def with_sampling(
    persona: Persona, *, max_tokens: int | None = None, temperature: float | None = None, top_p: float | None = None
) -> Persona:
    """The persona with the request's sampling over its own (the request wins)."""
    update = {k: v for k, v in {"max_tokens": max_tokens, "temperature": temperature, "top_p": top_p}.items()
              if v is not None}
    if not update:
        return persona
    return persona.model_copy(update={"sampling": persona.sampling.model_copy(update=update)})


async def api_dossier(conn: HTTPConnection) -> str:
    """The user's dossier for these endpoints, built once per app (reading a PDF takes a while)."""
    state = conn.app.state
    cached = getattr(state, "api_dossier", None)
    if cached is None:
        settings: Settings = state.settings
        cached = await asyncio.to_thread(_build_dossier, settings)
        state.api_dossier = cached
    return str(cached)


def _build_dossier(settings: Settings) -> str:
    try:
        profile = load_profile_dir(settings.profile_dir) if settings.profile_dir else sample_profile()
    except (ProfileError, OSError) as exc:
        # No dossier rather than no answers; said once, at the first request.
        log.warning("profile_dir %s could not be read (%s): the API answers without a dossier", settings.profile_dir, exc)
        return ""
    return dossier(FactBase.from_profile(profile), settings.board.dossier_chars)


def context_tokens(settings: Settings) -> int:
    if settings.llm.engine == "openai":
        return OPENAI_ASSUMED_CONTEXT_TOKENS
    return settings.llm.local.n_ctx


def prepare_reply(
    settings: Settings, persona: Persona, messages: Sequence[ChatMessage], dossier_text: str, *, param: str = "messages"
) -> PreparedReply:
    """``messages`` as the client sent them (system, user, assistant, tool), the last the
    question. Raises ``OpenAiError`` (400) for a conversation that cannot be answered."""
    if not messages:
        raise OpenAiError(400, "messages is empty: send at least one user message", param=param)
    last = messages[-1]
    if last.role != "user":
        raise OpenAiError(400, f"the last message must be the user's, not {last.role!r}", param=param)
    question = last.content.strip()
    if not question:
        raise OpenAiError(400, "the last message has no text", param=param)
    instructions: list[str] = []
    history: list[ChatMessage] = []
    for message in messages[:-1]:
        if message.role == "system":
            if message.content.strip():
                instructions.append(message.content.strip())
        elif message.role == "tool":
            history.append(ChatMessage("user", tool_block(message.tool_call_id or "client's", message.content)))
        elif message.content.strip():
            history.append(ChatMessage(message.role, message.content))
    system_text = dossier_text
    if instructions:
        client = CLIENT_INSTRUCTIONS + "\n" + "\n\n".join(instructions)
        system_text = f"{dossier_text}\n\n{client}" if dossier_text else client
    system_chars = len(system_message(persona, system_text).content)
    max_tokens = persona.sampling_over(settings.llm.sampling).max_tokens
    window = context_tokens(settings)
    budget = (window - max_tokens) * CHARS_PER_TOKEN
    if system_chars + len(question) > budget:
        raise OpenAiError(
            400,
            f"this model's context window is {window} tokens (~{window * CHARS_PER_TOKEN} characters), "
            f"{max_tokens} of them kept for the answer; the last message ({len(question)} characters) and "
            f"the system prompt (the profile, the persona's and your system messages: {system_chars} "
            "characters) do not fit: shorten the message",
            param=param, code=CONTEXT_LENGTH_EXCEEDED,
        )
    kept = trim_history(history, settings.board.history_chars)
    return PreparedReply(
        persona=persona,
        question=question,
        context=ReplyContext(history=history, dossier=system_text),
        history_dropped=len(history) - len(kept),
        prompt_chars=system_chars + sum(len(m.content) for m in kept) + len(question),
    )


def context_error(exc: LlmError) -> OpenAiError | None:
    """The engine's refusal of a prompt that does not fit, as the 400 an OpenAI client expects."""
    if not _CONTEXT_ERROR.search(str(exc)):
        return None
    return OpenAiError(400, str(exc), param="messages", code=CONTEXT_LENGTH_EXCEEDED)


def model_error(exc: LlmError) -> OpenAiError:
    mapped = context_error(exc)
    if mapped is not None:
        return mapped
    if exc.retryable:
        return OpenAiError(503, f"the model failed: {exc}", type="server_error", code="model_error")
    # The openai SDKs retry any 5xx unless told not to; a failure that will happen again is not.
    return OpenAiError(500, f"the model failed: {exc}", type="server_error", code="model_error",
                       headers={"x-should-retry": "false"})


def estimate_tokens(chars: int) -> int:
    return math.ceil(chars / CHARS_PER_TOKEN) if chars > 0 else 0
