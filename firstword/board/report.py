"""A tool's result as the opening of an answer, in the tool's own words: the parts of its
account the question asks about, and where they came from.

Why: the bundled 135M model cannot read a tool's result and report it faithfully (in the browser
test it took 28-70 s to prefill a repository's account, then its sentences were struck by the
critic). The result itself already says what is true; quoting the relevant part of it is
instant and cannot invent. A model that reads well (any OpenAI-compatible engine) answers from
the result instead (``board.after_tool``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# "Languages: …", "Dependencies (43):", "Entry points:" — a block of the account starts at a
# heading line like these and runs to the next one.
_HEADING = re.compile(r"^(?P<name>[A-Z][A-Za-z ]{1,40}?)(?: \((?P<count>\d+)\))?:(?P<rest>.*)$")
_WORDS = re.compile(r"[a-z]+")

# Words of a question that point at a block (by the block's heading words).
_ASKS = {
    "dependencies": {"depend", "depends", "dependency", "dependencies", "library", "libraries", "package", "packages",
                     "requirement", "requirements", "uses", "use", "stack", "import", "imports", "version", "versions"},
    "languages": {"language", "languages", "written", "lines", "size", "big", "large"},
    "components": {"component", "components", "module", "modules", "structure", "architecture", "parts", "layout",
                   "organised", "organized", "package", "packages"},
    "entry points": {"run", "start", "entry", "main", "cli", "command", "commands", "launch", "serve", "script", "scripts"},
    "tests": {"test", "tests", "tested", "testing", "coverage", "pytest", "spec", "specs"},
    "largest files": {"largest", "biggest", "large", "big", "files", "heavy"},
}


# An overview's order: what a newcomer to a repository asks first.
OVERVIEW_ORDER = {name: i for i, name in enumerate(
    ("files", "languages", "entry points", "tests", "dependencies", "components", "largest files")
)}
OVERVIEW_LINES = 5


@dataclass(frozen=True, slots=True)
class Block:
    heading: str
    lines: list[str]


def blocks(text: str) -> tuple[str, list[Block]]:
    """The account's first line (its summary) and its blocks."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    if not lines:
        return "", []
    summary, found = lines[0], []
    for line in lines[1:]:
        match = _HEADING.match(line)
        if match is not None and not line.startswith(("-", " ")):
            found.append(Block(match.group("name").strip(), [line]))
        elif found:
            found[-1].lines.append(line)
        else:
            found.append(Block("", [line]))
    return summary, found


def report(tool: str, arguments: dict[str, object], question: str, output: str, *, max_chars: int = 1_500) -> str:
    """The opening: the summary, then the blocks the question asks about (all of them, in
    order, while they fit, when it asks about none in particular), then the source."""
    summary, found = blocks(output)
    if not summary:
        return f"The {tool} tool returned nothing."
    # A path in the question ("/srv/main") is not what it asks about.
    asked = set(_WORDS.findall(" ".join(w for w in question.lower().split() if "/" not in w)))
    wanted = [b for b in found if asked & _ASKS.get(b.heading.lower(), set())]
    # Nothing in particular: an overview, each block cut to its first lines.
    chosen = wanted or [
        Block(b.heading, b.lines[:OVERVIEW_LINES] + (["- …"] if len(b.lines) > OVERVIEW_LINES else []))
        for b in sorted(found, key=lambda b: OVERVIEW_ORDER.get(b.heading.lower(), len(OVERVIEW_ORDER)))
    ]
    parts = [summary if summary.endswith((".", ":")) else summary + "."]
    used = len(parts[0])
    for block in chosen:
        text = "\n".join(_as_markdown(block.lines))
        if used + len(text) > max_chars:
            room = max_chars - used
            if room < 80:
                break
            text = text[: text.rfind("\n", 0, room)] if "\n" in text[:room] else text[:room]
            text += "\n- …"
        parts.append(text)
        used += len(text)
    where = ", ".join(f"{k}={v}" for k, v in arguments.items())
    parts.append(f"_Source: the {tool} tool ({where})._" if where else f"_Source: the {tool} tool._")
    return "\n\n".join(parts)


def _as_markdown(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        match = _HEADING.match(line)
        if match is not None and not line.startswith(("-", " ")):
            rest = match.group("rest").strip()
            count = f" ({match.group('count')})" if match.group("count") else ""
            out.append(f"**{match.group('name')}{count}:** {rest}".rstrip())
        else:
            out.append(line)
    return out
