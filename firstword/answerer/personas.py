"""The personas the answerer knows, by id: the shipped files plus the user's directory
(``firstword.personas``). The server installs its loaded set at start-up (``use_personas``);
until then, the shipped ones answer."""

from __future__ import annotations

from collections.abc import Mapping

from firstword.personas import Persona, Personas, UnknownPersona, load_personas

__all__ = ["GROUNDED_PERSONAS", "PERSONAS", "UnknownPersona", "current_personas", "persona", "persona_prompt", "use_personas"]

_current: Personas = load_personas()

# The shipped personas' instructions by id (the critic's evaluation and benches read these).
PERSONAS: Mapping[str, str] = {pid: p.instructions for pid, p in _current.by_id.items()}

# Personas whose answers the person says aloud as their own: they open with the person's own
# material (firstword.grounding), and the model only adds to it.
GROUNDED_PERSONAS = frozenset(pid for pid, p in _current.by_id.items() if p.grounded)


def use_personas(personas: Personas) -> None:
    global _current
    _current = personas


def current_personas() -> Personas:
    return _current


def persona(name: str) -> Persona:
    return _current.get_persona(name)


def persona_prompt(name: str) -> str:
    return persona(name).instructions


def is_grounded(name: str) -> bool:
    found = _current.find(name)
    return found is not None and found.grounded
