"""The user's profile: resume, job description, notes and STAR stories, used as prompt context.

A profile directory holds text or markdown files (and a PDF resume, read with pypdf). Files are
matched by name: ``resume.*`` / ``cv.*``, ``job*`` (job description), ``notes*``, ``stories*`` /
``star*``; anything else that is text is added to the notes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pypdf import PdfReader

TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".text", ""}
MAX_FIELD_CHARS = 50_000
MAX_STORIES = 50
# A story given as an object: its parts, in the order they are written out.
STAR_PARTS = ("situation", "task", "action", "result")


class ProfileError(ValueError):
    pass


class PdfTooLarge(ProfileError):
    """A PDF over the page limit, or whose text is over the character limit."""


class PdfNoText(ProfileError):
    """A PDF that parses but has no text to extract (a scan)."""


@dataclass(slots=True)
class Profile:
    resume: str = ""
    job_description: str = ""
    notes: str = ""
    stories: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Profile:
        unknown = set(raw) - {"resume", "job_description", "notes", "stories"}
        if unknown:
            raise ProfileError(f"unknown profile fields: {', '.join(sorted(unknown))}")
        stories = raw.get("stories") or []
        if not isinstance(stories, list):
            raise ProfileError("profile.stories must be a list of strings or STAR objects")
        if len(stories) > MAX_STORIES:
            # Refused, not cut: a silent cut drops the stories the person added last.
            raise ProfileError(f"profile.stories has {len(stories)} stories; at most {MAX_STORIES} are taken")
        texts = [_story_text(item, i) for i, item in enumerate(stories)]
        for i, text in enumerate(texts):
            if len(text) > MAX_FIELD_CHARS:
                raise ProfileError(f"profile.stories[{i}] is longer than {MAX_FIELD_CHARS} characters")
        profile = cls(
            resume=_text_field(raw, "resume"),
            job_description=_text_field(raw, "job_description"),
            notes=_text_field(raw, "notes"),
            stories=texts,
        )
        return profile

    def is_empty(self) -> bool:
        return not (self.resume or self.job_description or self.notes or self.stories)


def _text_field(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name) or ""
    if not isinstance(value, str):
        raise ProfileError(f"profile.{name} must be a string")
    if len(value) > MAX_FIELD_CHARS:
        raise ProfileError(f"profile.{name} is longer than {MAX_FIELD_CHARS} characters")
    return value


def _story_text(item: object, index: int) -> str:
    """A story as the prompt reads it. A STAR object becomes the same markdown a stories file
    holds, so the prompt, the stored profile and ``to_dict`` only ever deal with strings."""
    if isinstance(item, str):
        return item
    where = f"profile.stories[{index}]"
    if not isinstance(item, dict):
        raise ProfileError(f"{where} must be a string or an object with title, situation, task, action, result")
    unknown = set(item) - {"title", *STAR_PARTS}
    if unknown:
        raise ProfileError(
            f"{where} has unknown fields: {', '.join(sorted(map(str, unknown)))} "
            f"(a STAR story takes title, situation, task, action, result)"
        )
    parts: dict[str, str] = {}
    for key, value in item.items():
        if value is None:
            continue  # JSON null: the part is left out, as if absent
        if not isinstance(value, str):
            raise ProfileError(f"{where}.{key} must be a string")
        parts[key] = value.strip()
    if not any(parts.values()):
        raise ProfileError(f"{where} is empty: give at least one of title, situation, task, action, result")
    lines = [f"### {parts['title']}"] if parts.get("title") else []
    lines += [f"{key.capitalize()}: {parts[key]}" for key in STAR_PARTS if parts.get(key)]
    return "\n".join(lines)


def read_pdf_text(data_or_path: bytes | Path, max_pages: int | None = None, max_chars: int | None = None) -> str:
    """A PDF's text, pages joined by newlines. Runs in the caller's thread with no time or
    memory bound: the server reads uploads through ``pdf_worker``, which calls this in a child
    process under limits; the CLI reads the user's own profile directory with it directly.
    ``max_pages`` defaults to the server's setting (``ServerConfig.pdf_max_pages``)."""
    import io

    if max_pages is None:
        # Imported here: the worker child passes its limits and so never loads pydantic (0.3 s).
        from firstword.config import ServerConfig

        max_pages = ServerConfig.model_fields["pdf_max_pages"].default

    try:
        source = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else str(data_or_path)
        reader = PdfReader(source)
        pages = len(reader.pages)
        if pages > max_pages:
            raise PdfTooLarge(f"the PDF has {pages} pages; at most {max_pages} are read")
        if pages == 0:
            raise ProfileError("cannot read the PDF: it has no pages")
        parts: list[str] = []
        for page in reader.pages:
            parts.append(page.extract_text() or "")
            # Stop at the first page past the limit rather than extract the rest for nothing
            # (text only grows as pages are added, even once stripped).
            if max_chars is not None and len("\n".join(parts).strip()) > max_chars:
                raise PdfTooLarge(f"the PDF's text is longer than {max_chars} characters")
        text = "\n".join(parts)
    except ProfileError:
        raise
    except MemoryError:
        # Only under the worker's RLIMIT_AS, which must tell "too much memory" from "unreadable".
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises PdfReadError, LimitReachedError,
        # TypeError, KeyError, ValueError, RecursionError... on malformed input: all "unreadable".
        raise ProfileError(f"cannot read the PDF: {type(exc).__name__}: {exc}") from exc
    if not text.strip():
        raise PdfNoText("the PDF has no extractable text (is it a scan?)")
    return text.strip()


def read_text_file(path: Path) -> str:
    if path.suffix.lower() == ".pdf":
        return read_pdf_text(path)
    try:
        return path.read_text(encoding="utf-8").strip()
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{path.name} is not UTF-8 text") from exc


def load_profile_dir(directory: str | Path) -> Profile:
    root = Path(directory)
    if not root.is_dir():
        raise ProfileError(f"profile directory not found: {root}")
    profile = Profile()
    extra_notes: list[str] = []
    for path in sorted(root.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        suffix = path.suffix.lower()
        if suffix not in TEXT_SUFFIXES and suffix != ".pdf":
            continue
        stem = path.stem.lower()
        text = read_text_file(path)
        if stem.startswith(("resume", "cv")):
            profile.resume = text
        elif stem.startswith("job"):
            profile.job_description = text
        elif stem.startswith(("stories", "star")):
            profile.stories = _split_stories(text)
        elif stem.startswith("notes"):
            profile.notes = text
        elif suffix != ".pdf":
            extra_notes.append(text)
    if extra_notes:
        profile.notes = "\n\n".join([profile.notes, *extra_notes]).strip()
    return profile


def _split_stories(text: str) -> list[str]:
    # Stories are separated by markdown headings or blank-line-separated "---" rules.
    parts: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("#") or line.strip() == "---":
            if any(l.strip() for l in current):
                parts.append("\n".join(current).strip())
            current = [line] if line.startswith("#") else []
        else:
            current.append(line)
    if any(l.strip() for l in current):
        parts.append("\n".join(current).strip())
    return parts


def sample_profile_dir() -> Path:
    return Path(str(resources.files("firstword") / "data" / "sample_profile"))


def sample_profile() -> Profile:
    return load_profile_dir(sample_profile_dir())
