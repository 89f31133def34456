"""A persona: one object holding who answers, how, with which tools and voice (LiveKit's
``Agent``, as data). Personas are files (``firstword.personas.loader``), not code, so a user
adds an advisor or changes one without touching the package."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from firstword.config import Sampling

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


class SamplingOverride(BaseModel):
    """The persona's own sampling; a field left out keeps ``llm.sampling``'s."""

    model_config = ConfigDict(extra="forbid")

    max_tokens: int | None = Field(default=None, ge=1, le=4096)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)

    def over(self, base: Sampling) -> Sampling:
        return base.model_copy(update=self.model_dump(exclude_none=True))


class Voice(BaseModel):
    """How the persona speaks (voice mode): the engine and its voice."""

    model_config = ConfigDict(extra="forbid")

    engine: Literal["piper", "espeak"] = "piper"
    # The engine's voice: a Piper voice name ("en_US-joe-medium") or an espeak-ng voice ("en-us").
    name: str = "en_US-joe-medium"
    # Speaking rate relative to the voice's own (1.0).
    rate: float = Field(default=1.0, gt=0.25, le=4.0)


class Routing(BaseModel):
    """Deterministic tool routing for engines that cannot call tools themselves (the bundled
    135M model): which tool a question that names a path or repository goes to."""

    model_config = ConfigDict(extra="forbid")

    # The tool a question naming a local path ("./src", "~/code/app", "/srv/repo") is sent to.
    path_tool: str | None = None


class Persona(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str = Field(min_length=1, max_length=60)
    title: str = Field(min_length=1, max_length=120)
    description: str = Field(min_length=1, max_length=500)
    instructions: str = Field(min_length=1, max_length=8_000)
    greeting: str = Field(default="", max_length=500)
    sampling: SamplingOverride = Field(default_factory=SamplingOverride)
    # Tool names (as MCP servers list them; "server.tool" where two share a name).
    tools: list[str] = Field(default_factory=list)
    routing: Routing = Field(default_factory=Routing)
    voice: Voice | None = None
    # The person says this persona's answers aloud as their own: answers open with the person's
    # own material (firstword.grounding) and the model only adds to it.
    grounded: bool = False
    # Earlier ids that still name this persona (sessions and clients made before the files).
    aliases: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(
                "must be lowercase letters, digits, '-' or '_', starting with a letter, at most 40 characters"
            )
        return value

    def sampling_over(self, base: Sampling) -> Sampling:
        return self.sampling.over(base)
