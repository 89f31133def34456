"""Persona files: the shipped ones (``firstword/personas/data/*.toml``) and a user directory
(``personas_dir``, ``FIRSTWORD_PERSONAS_DIR``) whose files add personas or replace shipped ones
by id.

A malformed file is reported (``PersonaFileError``: the file, the field, the fix) and skipped;
the others still load, so one typo never takes the room down.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from firstword.personas.persona import Persona

log = logging.getLogger("firstword.personas")

# A persona file is a few hundred bytes of instructions; anything near this is not one.
MAX_FILE_BYTES = 64_000

_FIXES = {
    "missing": "add it",
    "extra_forbidden": "remove it or check its spelling",
    "string_too_short": "give it some text",
    "string_too_long": "shorten it",
    "string_type": "write it as a quoted string",
    "list_type": 'write it as a list, e.g. ["a", "b"]',
    "bool_type": "write true or false",
}


@dataclass(frozen=True, slots=True)
class PersonaFileError:
    path: str
    field: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = f" field '{self.field}'" if self.field else ""
        return f"{self.path}:{where} {self.message}; {self.fix}"


class UnknownPersona(ValueError):
    pass


@dataclass
class Personas(Mapping[str, Persona]):
    """The loaded personas by id (aliases resolve too), and the files that could not be read."""

    by_id: dict[str, Persona] = field(default_factory=dict)
    errors: list[PersonaFileError] = field(default_factory=list)
    # Where each persona came from (shown by `firstword personas`).
    sources: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Persona:
        found = self.find(key)
        if found is None:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_id)

    def __len__(self) -> int:
        return len(self.by_id)

    def find(self, key: str) -> Persona | None:
        persona = self.by_id.get(key)
        if persona is not None:
            return persona
        for candidate in self.by_id.values():
            if key in candidate.aliases:
                return candidate
        return None

    def get_persona(self, key: str) -> Persona:
        """The persona, or ``UnknownPersona`` naming the ones there are."""
        persona = self.find(key)
        if persona is None:
            raise UnknownPersona(f"unknown persona {key!r}; choose one of: {', '.join(sorted(self.by_id))}")
        return persona


def load_personas(user_dir: str | Path | None = None) -> Personas:
    loaded = Personas()
    shipped = resources.files("firstword.personas") / "data"
    for entry in sorted(shipped.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            _add(loaded, f"firstword/personas/data/{entry.name}", entry.read_bytes())
    if user_dir:
        directory = Path(user_dir).expanduser()
        if not directory.is_dir():
            loaded.errors.append(
                PersonaFileError(str(directory), "", "the personas directory does not exist", "create it or fix personas_dir")
            )
        else:
            for path in sorted(directory.glob("*.toml")):
                _add(loaded, str(path), _read(path, loaded.errors))
    for error in loaded.errors:
        log.warning("persona file skipped: %s", error)
    return loaded


def _read(path: Path, errors: list[PersonaFileError]) -> bytes | None:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            errors.append(PersonaFileError(str(path), "", f"the file is {size} bytes", f"keep it under {MAX_FILE_BYTES}"))
            return None
        return path.read_bytes()
    except OSError as exc:
        errors.append(PersonaFileError(str(path), "", f"cannot be read ({exc.strerror})", "check its permissions"))
        return None


def _add(loaded: Personas, path: str, raw: bytes | None) -> None:
    if raw is None:
        return
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        loaded.errors.append(PersonaFileError(path, "", "is not UTF-8 text", "save it as UTF-8"))
        return
    except tomllib.TOMLDecodeError as exc:
        loaded.errors.append(PersonaFileError(path, "", f"is not valid TOML ({exc})", "fix the TOML syntax there"))
        return
    data.setdefault("id", Path(path).stem)
    try:
        persona = Persona.model_validate(data)
    except ValidationError as exc:
        for error in _file_errors(path, exc.errors()):
            loaded.errors.append(error)
        return
    clash = next((p for p in loaded.by_id.values() if p.id != persona.id and persona.id in p.aliases), None)
    if clash is not None:
        loaded.errors.append(
            PersonaFileError(path, "id", f"{persona.id!r} is an alias of {clash.id!r}", "choose another id")
        )
        return
    if persona.id in loaded.by_id:
        log.info("persona %r from %s replaces the one from %s", persona.id, path, loaded.sources[persona.id])
    loaded.by_id[persona.id] = persona
    loaded.sources[persona.id] = path


def _file_errors(path: str, errors: Iterable[dict]) -> Iterator[PersonaFileError]:
    for error in errors:
        where = ".".join(str(part) for part in error.get("loc", ()))
        kind = error.get("type", "")
        message = error.get("msg", "is invalid")
        if kind == "missing":
            message = "is missing"
        fix = _FIXES.get(kind, "see the shipped files in firstword/personas/data for the format")
        yield PersonaFileError(path, where, message, fix)
