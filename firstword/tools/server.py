"""firstword's own MCP server: its tools for any MCP client (``firstword mcp`` over stdio,
``/mcp`` over streamable HTTP) and, in-process, for this server's personas.

* ``analyze_repository(path)``: languages, components, dependencies, entry points, tests and the
  largest files of a local repository inside ``tools.roots`` (see ``tools.repository``), with
  ``notifications/progress`` as it goes.
* ``search_sessions(query)``: stored transcripts and answers that hold every word of the query.
* ``action_items(session_id)``: a stored session's action items (``firstword.actions``), the
  same items as ``firstword actions extract --json``.
* ``profile_facts(query)``: the profile's facts that answer a question, each with its source.

Each tool answers text a model reads (its first line a one-line summary) plus the same as
structured content. A failure a caller can act on (a path outside the roots, an unknown
session, history switched off) is a tool error (``isError``) whose text says what to do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError as McpToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations

from firstword import __version__
from firstword.answerer.profile import Profile, ProfileError, load_profile_dir, sample_profile
from firstword.config import Settings
from firstword.store.base import Store
from firstword.store.export import iso
from firstword.tools.base import BUILTIN_SERVER
from firstword.tools.repository import analyze
from firstword.tools.roots import PathNotAllowed, allowed_roots, confine

log = logging.getLogger("firstword.tools")

ProfileSource = Profile | Callable[[], Profile | None] | None

SEARCH_LIMIT = 20
LINE_CHARS = 240
FACTS = 6
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)

INSTRUCTIONS = (
    "firstword's tools: analyze a local repository (analyze_repository), search stored "
    "conversations (search_sessions), list a stored session's action items (action_items), and "
    "find the facts of the person's profile that answer a question (profile_facts)."
)


def result(text: str, structured: dict[str, Any]) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=structured)


class _History:
    """The stored sessions: the store given, else the one the settings point to, opened for
    reading only (no migration, no writer) on first use and closed with the server."""

    def __init__(self, settings: Settings, store: Store | None) -> None:
        self._settings = settings
        self._given = store
        self._owned: Any = None

    def store(self) -> Store:
        if self._given is not None:
            return self._given
        if self._owned is None:
            if not self._settings.store.enabled:
                raise McpToolError("session history is off on this server (store.enabled = false)")
            from firstword.store.database import sqlite_path
            from firstword.store.sqlstore import SqlStore

            url = self._settings.store_url()
            path = sqlite_path(url)
            if path is not None and not path.is_file():
                raise McpToolError(
                    f"no stored sessions yet: {path} does not exist (the server creates it on its first start)"
                )
            self._owned = SqlStore(url, node_id=self._settings.resolved_node_id(), config=self._settings.store)
        return self._owned

    def reader(self) -> Any:
        from firstword.store.reader import HistoryReader

        engine = getattr(self.store(), "engine", None)
        if engine is None:
            raise McpToolError("this server's store cannot be searched")
        return HistoryReader(engine)

    async def flush(self) -> None:
        # A live session's last records may still be in the writer's batch.
        if self._given is not None:
            try:
                await self._given.flush()
            except Exception:  # noqa: BLE001 - searching what is written is still useful
                log.debug("store flush before a tool's read failed", exc_info=True)

    async def aclose(self) -> None:
        if self._owned is not None:
            owned, self._owned = self._owned, None
            await owned.engine.dispose()


def _unavailable(exc: Exception) -> McpToolError:
    from firstword.store.database import describe_error

    return McpToolError(f"stored sessions are unavailable right now: {describe_error(exc)}")


class _Profiles:
    def __init__(self, settings: Settings, profile: ProfileSource) -> None:
        self._settings = settings
        self._source = profile
        self._default: Profile | None = None
        self._grounding: tuple[str, Any] | None = None

    def profile(self) -> Profile:
        source = self._source
        chosen = source() if callable(source) else source
        if chosen is not None:
            return chosen
        if self._default is None:
            if self._settings.profile_dir:
                try:
                    self._default = load_profile_dir(self._settings.profile_dir)
                except ProfileError as exc:
                    raise McpToolError(f"cannot read the profile: {exc}") from None
            else:
                self._default = sample_profile()
        return self._default

    def grounding(self) -> Any:
        from firstword.grounding import Grounding

        profile = self.profile()
        key = hashlib.sha256(json.dumps(profile.to_dict(), sort_keys=True).encode()).hexdigest()
        if self._grounding is None or self._grounding[0] != key:
            self._grounding = (key, Grounding(profile))
        return self._grounding[1]


def build_mcp_server(settings: Settings, *, store: Store | None = None, profile: ProfileSource = None) -> MCPServer:
    """``store``: the sessions to search (default: the configured database, read only).
    ``profile``: a profile, or a function giving the current one (default: ``profile_dir``, else
    the bundled sample profile)."""
    roots = allowed_roots(settings.tools.roots)
    history = _History(settings, store)
    profiles = _Profiles(settings, profile)

    @asynccontextmanager
    async def lifespan(_server: MCPServer[Any]) -> AsyncIterator[None]:
        try:
            yield None
        finally:
            await history.aclose()

    mcp: MCPServer[Any] = MCPServer(
        name=BUILTIN_SERVER, version=__version__, instructions=INSTRUCTIONS, lifespan=lifespan,
        log_level="WARNING",
    )

    def tool(fn: Callable[..., Any]) -> Callable[..., Any]:
        # The docstring on one line: a small model's context is short.
        mcp.add_tool(fn, description=" ".join((fn.__doc__ or "").split()), annotations=READ_ONLY)
        return fn

    @tool
    async def analyze_repository(path: str, ctx: Context) -> CallToolResult:
        """Analyze a local code repository: its languages (files and lines), components
        (Python packages, JS/TS packages, Go packages, Rust crates), dependencies from its
        manifests, entry points, tests and largest files. `path` is the repository's folder,
        inside the allowed roots; a relative path starts at the first root."""
        try:
            root = confine(path, roots, directory=True)
        except PathNotAllowed as exc:
            raise McpToolError(str(exc)) from None

        async def report(progress: float, total: float | None, message: str) -> None:
            await ctx.report_progress(progress, total, message)

        analysis = await analyze(root, report=report)
        return result(analysis.to_text(), analysis.to_dict())

    @tool
    async def search_sessions(query: str) -> CallToolResult:
        """Search the stored conversations (final transcripts and answers) for lines that hold
        every word of `query`; newest session first, each match with its session id, when it
        was said and the matching line."""
        if not query.split():
            raise McpToolError("the query is empty: pass the words to look for")
        await history.flush()
        try:
            hits = await history.reader().search(query, limit=SEARCH_LIMIT)
        except McpToolError:
            raise
        except Exception as exc:  # noqa: BLE001 - a database problem is the caller's to read, not a crash
            raise _unavailable(exc) from None
        words = [w.lower() for w in query.split()]
        matches = [
            {
                "session_id": hit.session_id,
                "when": iso(hit.at if hit.at is not None else hit.created_at),
                "session_started": iso(hit.created_at),
                "turn_id": hit.turn_id,
                "kind": hit.kind,
                "line": matching_line(hit.text, words),
            }
            for hit in hits
        ]
        if not matches:
            text = f"No stored transcript or answer mentions {query!r}."
        else:
            text = "\n".join(
                [f"{len(matches)} {'match' if len(matches) == 1 else 'matches'} for {query!r}"
                 + (f" (the first {SEARCH_LIMIT})" if len(matches) == SEARCH_LIMIT else "") + ":"]
                + [
                    f"- {m['when']} · session {m['session_id']}"
                    + (f" · turn {m['turn_id']}" if m["turn_id"] is not None else "")
                    + f" ({'heard' if m['kind'] == 'transcript' else 'answered'}): {m['line']}"
                    for m in matches
                ]
            )
        return result(text, {"query": query, "matches": matches})

    @tool
    async def action_items(session_id: str) -> CallToolResult:
        """The action items of a stored session (who committed to do what, by when), read by
        rules from its final transcripts, typed messages and answers: each item with its text,
        owner, due date, evidence (line and character span) and confidence."""
        from firstword.actions.extract import extract, parse_transcript

        sid = session_id.strip()
        if not sid:
            raise McpToolError("no session id given: pass one from search_sessions or `firstword history list`")
        await history.flush()
        try:
            stored = await history.reader().conversation(sid)
        except McpToolError:
            raise
        except Exception as exc:  # noqa: BLE001 - as above
            raise _unavailable(exc) from None
        if stored is None:
            raise McpToolError(
                f"unknown session {sid!r}: no stored session has that id (search_sessions or "
                "`firstword history list` shows the ids)"
            )
        created, said = stored
        lines = [f"{SPEAKER_LABELS.get(who, who.title())}: {' '.join(text.split())}" for _seq, who, text in said]
        date = dt.datetime.fromtimestamp(created, dt.UTC).date()
        items = extract(parse_transcript("\n".join(lines)), date)
        data = [item.to_dict() for item in items]
        if not lines:
            text = f"Session {sid} holds no transcript, message or answer yet: no action items."
        elif not items:
            text = f"No action items in session {sid} ({len(lines)} lines read, {date.isoformat()})."
        else:
            noun = "item" if len(items) == 1 else "items"
            out = [f"{len(items)} action {noun} in session {sid} ({date.isoformat()}):"]
            for item in items:
                out.append(
                    f"- {item.text}"
                    + (f" — owner: {item.owner}" if item.owner else "")
                    + (f", due {item.due}" if item.due else "")
                    + f" (line {item.evidence.line}: {_shorten(lines[item.evidence.line - 1])})"
                )
            text = "\n".join(out)
        return result(text, {"session_id": sid, "date": date.isoformat(), "lines": len(lines), "items": data})

    @tool
    async def profile_facts(query: str) -> CallToolResult:
        """The facts of the person's profile (resume, STAR stories, notes, job description)
        that answer `query`, best first, each with its source."""
        if not query.strip():
            raise McpToolError("the query is empty: pass a question or topic")
        grounded = profiles.grounding().ground(query)
        facts = []
        for scored in grounded.ranked:
            fact = scored.fact
            if fact.instruction_like:
                continue
            facts.append(
                {
                    "text": fact.text,
                    "source": SOURCE_LABELS.get(str(fact.source), str(fact.source)),
                    "section": fact.section or None,
                    "title": fact.title,
                    "employer": fact.employer,
                    "dates": fact.dates,
                    "score": round(float(scored.score), 3),
                    "on_topic": bool(scored.on_topic),
                }
            )
            if len(facts) >= FACTS:
                break
        if not facts:
            text = f"No fact in the profile answers {query!r}."
        else:
            text = "\n".join(
                [f"{len(facts)} profile {'fact' if len(facts) == 1 else 'facts'} for {query!r} ({grounded.kind}):"]
                + [
                    f"- [{f['source']}" + (f", {f['title']}" if f["title"] else "") + f"] {f['text']}"
                    for f in facts
                ]
            )
        return result(text, {"query": query, "question_type": str(grounded.kind), "facts": facts})

    return mcp


SPEAKER_LABELS = {"interviewer": "Interviewer", "user": "You", "message": "You", "answer": "Copilot"}
SOURCE_LABELS = {"resume": "resume", "story": "story", "notes": "notes", "job": "job description"}


def matching_line(text: str, words: list[str]) -> str:
    """The line (or sentence, in a long one) of ``text`` that holds the words, shortened."""
    candidates: list[str] = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        if len(line) > LINE_CHARS:
            candidates += [s for s in re.split(r"(?<=[.!?])\s+", line) if s]
        else:
            candidates.append(line)
    lowered = [c.lower() for c in candidates]
    for want in (lambda c: all(w in c for w in words), lambda c: any(w in c for w in words)):
        for original, low in zip(candidates, lowered, strict=True):
            if want(low):
                return _shorten(original, around=next((low.find(w) for w in words if w in low), 0))
    return _shorten(" ".join(text.split()))


def _shorten(text: str, around: int = 0) -> str:
    if len(text) <= LINE_CHARS:
        return text
    start = max(0, min(around - LINE_CHARS // 3, len(text) - LINE_CHARS))
    piece = text[start : start + LINE_CHARS - 2]
    return ("…" if start else "") + piece.strip() + "…"
