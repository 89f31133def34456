"""A cheap test before a regular expression: the strings of which at least one must occur in any
text the expression matches ("is there anything" needs "anything", "something" or "what").

Reading a question runs ~130 phrase substitutions before its first word can be looked up
(``match.normalise``), and most of them cannot match a given question: finding a literal first
costs a fraction of running the expression (RE2 and Hyperscan call this a
prefilter; Python's ``re`` has none, hence this). The literals come from the expression's own
parse tree (``re._parser``, the parser ``re.compile`` uses), so they cannot disagree with it;
where the tree holds something this does not follow, there is no prefilter and the expression
always runs (never a wrong skip, only a slower one).

``Substitutions`` applies a sequence of them in order with one scan of the text for all their
literals (an Aho-Corasick automaton, ``pyahocorasick``, in C) instead of one test per
substitution: over the 649 questions of ``bench/prefetch-heldout`` the ~130 tests took ~200 of
``normalise``'s ~260 µs, on the path of a typed question's first word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import ahocorasick

try:  # Python 3.11+
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_GROUP_REFERENCE = re.compile(r"\\(?:\d+|g<\w+>)")
# Where a pattern looks at the end or the start of the text: "$", "\Z", "\A", or "^" outside a
# character class.
_AT_EDGES = re.compile(r"\$|\\[AZ]|(?<!\[)\^")

# A literal shorter than this says too little to be worth the test ("a", " o").
MIN_LITERAL = 2

Need = tuple[str, ...]  # one of these occurs; () means nothing is known


def _best(needs: list[Need]) -> Need:
    """Of requirements that all hold, the most selective: the one whose shortest string is longest."""
    known = [n for n in needs if n]
    return max(known, key=lambda n: (min(len(s) for s in n), -len(n))) if known else ()


def _sequence(items: list[tuple[object, object]]) -> Need:
    needs: list[Need] = []
    run: list[str] = []

    def close_run() -> None:
        if len("".join(run)) >= MIN_LITERAL:
            needs.append(("".join(run),))
        run.clear()

    for op, arg in items:
        if op is _c.LITERAL:
            run.append(chr(arg))  # type: ignore[arg-type]
            continue
        close_run()
        if op is _c.SUBPATTERN:
            needs.append(_sequence(list(arg[-1])))  # type: ignore[index]
        elif op is _c.BRANCH:
            needs.append(_branch(arg[1]))  # type: ignore[index]
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and arg[0] >= 1:  # type: ignore[index]
            needs.append(_sequence(list(arg[2])))  # type: ignore[index]
        # Anything else (a class, a repeat that may be empty, an anchor, a look-around, a
        # back-reference) requires no literal of its own.
    close_run()
    return _best(needs)


def _branch(alternatives: list[list[tuple[object, object]]]) -> Need:
    out: list[str] = []
    for alternative in alternatives:
        need = _sequence(list(alternative))
        if not need:
            return ()  # one alternative needs nothing: the whole needs nothing
        out.extend(need)
    return tuple(dict.fromkeys(out))


def required_literals(pattern: str) -> Need:
    """Strings of which at least one occurs in every match of ``pattern`` (compiled without
    flags); () when none is known."""
    try:
        return _sequence(list(_p.parse(pattern)))
    except Exception:  # noqa: BLE001 - an unfamiliar tree: no prefilter, never a wrong one
        return ()


@dataclass(frozen=True, slots=True)
class Substitution:
    """``pattern.sub(replacement, text)``, where ``text`` holds one of ``literals`` (``()``: any
    text)."""

    pattern: re.Pattern[str]
    replacement: str
    literals: Need

    @classmethod
    def of(cls, pattern: str, replacement: str) -> Substitution:
        return cls(re.compile(pattern), replacement, required_literals(pattern))


class Substitutions:
    """Each substitution applied in order, the same text out as running every one, with the
    literals of all of them found in one pass: a substitution runs only when one of its literals
    occurs in the text as it is then (otherwise it cannot match). After a substitution changes
    the text (~2 per question), the text is scanned again for those still to come, since a
    replacement may bring a literal in."""

    def __init__(self, substitutions: Sequence[Substitution]) -> None:
        self._substitutions = tuple(substitutions)
        # Those with no known literal run on every text.
        self._always = frozenset(i for i, s in enumerate(self._substitutions) if not s.literals)
        needing: dict[str, list[int]] = {}
        for i, substitution in enumerate(self._substitutions):
            for literal in substitution.literals:
                needing.setdefault(literal, []).append(i)
        # What each writes, its group references left out (``outputs``).
        self._written = tuple(_GROUP_REFERENCE.sub(" ", s.replacement) for s in self._substitutions)
        self._leads_to: list[frozenset[int]] | None = None
        self._at_edges = frozenset(i for i, s in enumerate(self._substitutions) if _AT_EDGES.search(s.pattern.pattern))
        self._automaton: ahocorasick.Automaton | None = None
        if needing:
            automaton = ahocorasick.Automaton()
            for literal, indices in needing.items():
                automaton.add_word(literal, tuple(indices))
            automaton.make_automaton()
            self._automaton = automaton

    def _due(self, text: str, after: int) -> list[int]:
        """The substitutions after index ``after`` that may match ``text``, in order."""
        due = set(self._always)
        if self._automaton is not None:
            for _, indices in self._automaton.iter(text):
                due.update(indices)
        return sorted(i for i in due if i > after)

    def outputs(self, text: str) -> list[str]:
        """What applying these to a piece of ``text`` may write that applying them to the whole
        does not: the replacements (group references left out) of the substitutions that look
        at where the text ends or begins ("about you" at the end is "about yourself"; a piece
        of a turn ends where the turn may not) and whose literals ``text`` says, and of those
        whose literals such replacements write, in turn. (Any other match in a piece is a match
        in the whole.)"""
        if self._leads_to is None:
            self._leads_to = self._closure()
        reached: set[int] = set()
        for i in self._due(text, -1):
            if i in self._at_edges:
                reached |= self._leads_to[i]
        return [self._written[i] for i in sorted(reached)]

    def _closure(self) -> list[frozenset[int]]:
        """For each substitution, itself and every substitution its replacement (or theirs, in
        turn) may bring a literal to, worked out once."""
        brings = [set(self._due(written, -1)) for written in self._written]
        out: list[frozenset[int]] = []
        for i in range(len(self._substitutions)):
            reached, todo = {i}, [i]
            while todo:
                for j in brings[todo.pop()] - reached:
                    reached.add(j)
                    todo.append(j)
            out.append(frozenset(reached))
        return out

    def apply(self, text: str) -> str:
        due = self._due(text, -1)
        k = 0
        while k < len(due):
            i = due[k]
            substitution = self._substitutions[i]
            changed = substitution.pattern.sub(substitution.replacement, text)
            if changed != text:
                text = changed
                due, k = self._due(text, i), 0
            else:
                k += 1
        return text
