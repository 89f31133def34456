"""Which tool a question goes to when the model cannot choose (the bundled 135M model does not
call tools reliably): explicit commands first, then the persona's rule.

The rules, in order (README, "Board room"):

1. ``/analyze [PATH] [question]``: analyze_repository on PATH (default: the first tools root).
2. ``/actions``: action_items of this conversation.
3. ``/search QUERY``: search_sessions; ``/facts QUERY``: profile_facts.
4. A persona with ``routing.path_tool`` (Cipher: analyze_repository) sends a question that names
   a local path (``./src``, ``~/code/app``, ``/srv/repo``, or one in backquotes) to that tool,
   when the path exists or the question speaks of a repository, codebase or project; a question
   about "this repository" / "the codebase" without a path goes to the first tools root.

Anything else gets no tool: the model answers from the dossier and the conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from firstword.personas import Persona

ANALYZE = "analyze_repository"
ACTIONS = "action_items"
SEARCH = "search_sessions"
FACTS = "profile_facts"

_COMMAND = re.compile(r"^\s*/(analyze|actions|search|facts)\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
_QUOTED = re.compile(r"`([^`\n]{1,500})`|\"((?:~|\.{1,2})?/[^\"\n]{0,500})\"")
# A token that starts like a local path: /x, ~/x, ./x, ../x (not a URL, not "I/O").
_PATH = re.compile(r"(?<![\w:/.~-])((?:~|\.{1,2})?/[^\s'\"`,;!?()<>]*)")
_REPO_WORDS = re.compile(r"\b(repo|repository|repositories|codebase|code base|project|source tree|package)\b", re.IGNORECASE)
_THIS_REPO = re.compile(
    r"\b(this|the|our|my|current)\s+(repo|repository|codebase|code base|source tree|project)\b", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Route:
    tool: str
    arguments: dict[str, Any]
    # What the model is asked once the tool has answered.
    question: str
    chosen_by: Literal["command", "rule"]


@dataclass(frozen=True, slots=True)
class RouteContext:
    available: frozenset[str]
    session_id: str | None = None
    # The first configured tools root (the current directory by default).
    default_root: str = "."
    extra: dict[str, Any] = field(default_factory=dict)


class CommandError(ValueError):
    """A command that cannot run here (``/actions`` outside a stored conversation, say)."""


def route(text: str, persona: Persona, context: RouteContext) -> Route | None:
    command = _COMMAND.match(text)
    if command is not None:
        return _command(command.group(1).lower(), command.group(2).strip(), context)
    tool = persona.routing.path_tool
    if tool is None or tool not in context.available:
        return None
    path = named_path(text)
    if path is not None:
        return Route(tool, {"path": path}, text, "rule")
    if _THIS_REPO.search(text):
        return Route(tool, {"path": context.default_root}, text, "rule")
    return None


def named_path(text: str) -> str | None:
    """The local path the text names, if it names one worth reading (see the module's rule 4)."""
    candidates = [a or b for a, b in _QUOTED.findall(text)]
    candidates += [m.rstrip(".:") for m in _PATH.findall(text)]
    speaks_of_code = bool(_REPO_WORDS.search(text))
    for candidate in candidates:
        candidate = candidate.strip()
        if not candidate or candidate in ("/", "."):
            if candidate and speaks_of_code:
                return candidate
            continue
        if _exists(candidate) or speaks_of_code:
            return candidate
    return None


def _exists(path: str) -> bool:
    try:
        return Path(path).expanduser().exists()
    except (OSError, ValueError):
        return False


def _command(name: str, rest: str, context: RouteContext) -> Route:
    tool = {"analyze": ANALYZE, "actions": ACTIONS, "search": SEARCH, "facts": FACTS}[name]
    if tool not in context.available:
        raise CommandError(f"/{name} needs the {tool} tool, which no configured tool server offers")
    if tool == ANALYZE:
        path, _, question = _split_path(rest)
        path = path or context.default_root
        question = question or "Summarize this repository: what it is built from, its parts, and how to run and test it."
        return Route(tool, {"path": path}, question, "command")
    if tool == ACTIONS:
        if context.session_id is None:
            raise CommandError("/actions reads a stored conversation; this one is not stored")
        return Route(tool, {"session_id": context.session_id}, rest or "List the action items agreed so far.", "command")
    if not rest:
        raise CommandError(f"/{name} needs words to look for, e.g. /{name} kafka migration")
    key = "query"
    return Route(tool, {key: rest}, rest, "command")


def _split_path(rest: str) -> tuple[str, str, str]:
    if not rest:
        return "", "", ""
    if rest[0] in "\"'`":
        quote = rest[0]
        end = rest.find(quote, 1)
        if end > 0:
            return rest[1:end], "", rest[end + 1 :].strip()
    path, _, question = rest.partition(" ")
    return path, "", question.strip()
