"""Personas as data: who answers, with which instructions, sampling, tools and voice."""

from __future__ import annotations

from firstword.personas.loader import (
    PersonaFileError,
    Personas,
    UnknownPersona,
    load_personas,
)
from firstword.personas.persona import Persona, Routing, SamplingOverride, Voice

__all__ = [
    "Persona",
    "PersonaFileError",
    "Personas",
    "Routing",
    "SamplingOverride",
    "UnknownPersona",
    "Voice",
    "load_personas",
]
