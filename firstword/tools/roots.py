"""Which paths the tools may read: only inside ``tools.roots`` (empty: the current directory).

A path is resolved the way the operating system would open it (``..`` and every symbolic link
followed) before it is compared with the roots, themselves resolved: a link inside a root that
points outside it is outside. A relative path is taken from the first root.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


class PathNotAllowed(ValueError):
    """A path that does not exist, or that lies outside the allowed roots; the text says which
    roots are allowed and how to add one."""


def allowed_roots(roots: Sequence[str], *, cwd: Path | None = None) -> list[Path]:
    """The configured roots, resolved (``~`` expanded, links followed); none configured: the
    current directory."""
    base = cwd if cwd is not None else Path.cwd()
    chosen = [r for r in (str(r).strip() for r in roots) if r] or [str(base)]
    resolved: list[Path] = []
    for root in chosen:
        path = Path(os.path.expanduser(root))
        if not path.is_absolute():
            path = base / path
        real = Path(os.path.realpath(path))
        if real not in resolved:
            resolved.append(real)
    return resolved


def describe_roots(roots: Sequence[Path]) -> str:
    return ", ".join(str(r) for r in roots)


def is_within(path: Path, root: Path) -> bool:
    """Both already resolved."""
    return path == root or root in path.parents


def confine(path: str, roots: Sequence[Path], *, directory: bool = False) -> Path:
    """The resolved path, if it exists and lies inside one of ``roots``; else ``PathNotAllowed``."""
    text = str(path).strip()
    if not text:
        raise PathNotAllowed(f"no path given: pass a directory inside the allowed roots ({describe_roots(roots)})")
    if "\x00" in text:
        raise PathNotAllowed("the path contains a NUL character")
    given = Path(os.path.expanduser(text))
    if not given.is_absolute():
        given = roots[0] / given
    real = Path(os.path.realpath(given))
    if not any(is_within(real, root) for root in roots):
        where = f" (it resolves to {real})" if real != Path(os.path.abspath(given)) else ""
        raise PathNotAllowed(
            f"{text} is outside the allowed roots{where}: the tools may read only {describe_roots(roots)}; "
            "add a root with tools.roots (FIRSTWORD_TOOLS__ROOTS=/path,/other)"
        )
    if not real.exists():
        raise PathNotAllowed(f"{text} does not exist (allowed roots: {describe_roots(roots)})")
    if directory and not real.is_dir():
        raise PathNotAllowed(
            f"{text} is not a directory: pass a repository's folder (allowed roots: {describe_roots(roots)})"
        )
    return real
