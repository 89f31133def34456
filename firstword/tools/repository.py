"""analyze_repository: what a local repository is made of, read from its files alone.

One bounded walk (``MAX_FILES``; ``.git``, ``node_modules``, virtual environments, caches and
build output skipped; symbolic links never followed, so nothing outside the root is read) gives:

* **languages**: files and lines by extension (code only; documentation and configuration count
  in the totals);
* **components**, by directory: Python packages (a folder with ``__init__.py``) and top-level
  modules, JS/TS packages (``package.json``), Go packages (a folder of ``.go`` files), Rust crates
  (``Cargo.toml`` with ``[package]``);
* **dependencies** from the manifests: ``pyproject.toml`` (``[project]`` dependencies and
  optional groups, ``[dependency-groups]``, Poetry's), ``requirements*.txt``, ``package.json``
  (dependencies, devDependencies, peer and optional), ``go.mod`` (require), ``Cargo.toml``
  (dependencies, dev- and build-dependencies);
* **entry points**: ``[project.scripts]``, ``package.json`` bin/main/scripts, ``__main__.py``,
  ``main.go`` (package main), ``src/main.rs`` and ``src/bin/*.rs``;
* **tests**: test files (``test_*.py``, ``*_test.py``, ``*.test.ts``, ``*.spec.js``,
  ``*_test.go``, ``.rs`` under a crate's ``tests/``), the folders that hold them;
* **the largest files**.

The walk runs in a worker thread, a slice of files at a time, so that an in-process caller's
event loop keeps streaming while it runs and a cancelled call stops within one slice.
``report`` is awaited between stages with what is being done, as a person reads it.
"""

from __future__ import annotations

import json
import os
import re
import time
import tomllib
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import anyio
import anyio.lowlevel
import anyio.to_thread

# A walk stops after this many files (the report says it was cut short).
MAX_FILES = 20_000
# Files larger than this are counted by size only (no line count): generated or data files.
MAX_LINE_COUNT_BYTES = 4 * 1024 * 1024
# Files handled per slice of the walk in the worker thread.
SLICE_FILES = 200
LARGEST = 10
# Test hook: seconds slept between stages and slices of the walk, so that a test can cancel a
# call mid-walk on a small tree (FIRSTWORD_TOOLS_STEP_DELAY_S=0.2). Unset in normal use.
STEP_DELAY_ENV = "FIRSTWORD_TOOLS_STEP_DELAY_S"

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", ".nox", "__pycache__",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", ".cache", ".eggs", "build",
        "dist", "target", ".next", ".nuxt", ".gradle", ".idea", ".vscode", "site-packages",
        "bower_components", ".terraform", "coverage", "htmlcov",
    }
)

LANGUAGES: dict[str, str] = {
    ".py": "Python", ".pyi": "Python", ".pyx": "Cython",
    ".js": "JavaScript", ".mjs": "JavaScript", ".cjs": "JavaScript", ".jsx": "JavaScript",
    ".ts": "TypeScript", ".tsx": "TypeScript", ".mts": "TypeScript", ".cts": "TypeScript",
    ".go": "Go", ".rs": "Rust", ".java": "Java", ".kt": "Kotlin", ".kts": "Kotlin", ".scala": "Scala",
    ".c": "C", ".h": "C", ".cc": "C++", ".cpp": "C++", ".cxx": "C++", ".hpp": "C++", ".hh": "C++",
    ".cs": "C#", ".fs": "F#", ".rb": "Ruby", ".php": "PHP", ".swift": "Swift", ".m": "Objective-C",
    ".dart": "Dart", ".lua": "Lua", ".r": "R", ".jl": "Julia", ".ex": "Elixir", ".exs": "Elixir",
    ".erl": "Erlang", ".hs": "Haskell", ".ml": "OCaml", ".clj": "Clojure", ".zig": "Zig",
    ".sh": "Shell", ".bash": "Shell", ".zsh": "Shell", ".ps1": "PowerShell", ".sql": "SQL",
    ".html": "HTML", ".htm": "HTML", ".css": "CSS", ".scss": "SCSS", ".sass": "SCSS", ".less": "Less",
    ".vue": "Vue", ".svelte": "Svelte", ".proto": "Protocol Buffers", ".tf": "HCL",
}
# Counted in the totals, not as a language: documentation, configuration, data.
TEXT_SUFFIXES = frozenset(
    {".md", ".rst", ".txt", ".toml", ".yaml", ".yml", ".json", ".jsonl", ".ini", ".cfg", ".mako", ".xml",
     ".csv", ".lock", ".mod", ".sum", ".gitignore", ".env", ".in"}
)
NAMED_LANGUAGES = {"Makefile": "Makefile", "Dockerfile": "Dockerfile", "Justfile": "Just"}

_TEST_FILE = re.compile(
    r"^(?:test_.+\.py|.+_test\.py|.+\.(?:test|spec)\.(?:[cm]?js|jsx|[cm]?ts|tsx)|.+_test\.go|.+Tests?\.(?:java|kt|cs))$"
)
TEST_DIR_NAMES = frozenset({"tests", "test", "__tests__", "spec", "specs", "testing"})
_PY_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\s*\[[^\]]*\])?\s*(.*)$")
_GO_REQUIRE = re.compile(r"^\s*(\S+)\s+(v\S+)(\s*//\s*indirect)?")
TOP_MODULE_EXCLUDE = frozenset({"setup.py", "conftest.py", "noxfile.py", "fabfile.py", "manage.py"})

Report = Callable[[float, float | None, str], Awaitable[None]]


@dataclass
class _FileInfo:
    rel: str  # posix path relative to the root
    size: int
    lines: int | None
    language: str | None


@dataclass
class RepositoryAnalysis:
    root: str
    files: int = 0
    lines: int = 0  # lines of code (the languages' files)
    languages: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    dependencies: list[dict[str, Any]] = field(default_factory=list)
    entry_points: list[dict[str, Any]] = field(default_factory=list)
    tests: dict[str, Any] = field(default_factory=dict)
    largest_files: list[dict[str, Any]] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # manifests that could not be read
    truncated: bool = False  # the walk stopped at max_files
    max_files: int = MAX_FILES
    skipped_links: int = 0
    seconds: float = 0.0

    @property
    def summary(self) -> str:
        return (
            f"Analyzed {self.root}: {_n(len(self.languages), 'language')}, "
            f"{_n(len(self.components), 'component')}, {_n(len(self.dependencies), 'dependency', 'dependencies')}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "root": self.root,
            "files": self.files,
            "lines_of_code": self.lines,
            "languages": self.languages,
            "components": self.components,
            "dependencies": self.dependencies,
            "entry_points": self.entry_points,
            "tests": self.tests,
            "largest_files": self.largest_files,
            "manifests": self.manifests,
            "problems": self.problems,
            "truncated": self.truncated,
            "skipped_links": self.skipped_links,
        }

    def to_text(self) -> str:
        """What a model reads: the summary first, then one short section per finding."""
        out = [self.summary]
        out.append(
            f"Files: {self.files:,} ({self.lines:,} lines of code)"
            + (f"; the walk stopped at {self.max_files:,} files" if self.truncated else "")
        )
        if self.languages:
            out.append(
                "Languages: "
                + "; ".join(f"{lang['language']} {_n(lang['files'], 'file')}, {_n(lang['lines'], 'line')}"
                            for lang in self.languages)
            )
        if self.components:
            shown = self.components[:60]
            out.append(f"Components ({len(self.components)}):")
            out += [f"- {c['name']} ({c['kind']}, {c['path']}, {_n(c['files'], 'file')})" for c in shown]
            if len(self.components) > len(shown):
                out.append(f"- … and {len(self.components) - len(shown)} more")
        if self.dependencies:
            out.append(f"Dependencies ({len(self.dependencies)}):")
            groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
            for dep in self.dependencies:
                groups[(dep["manifest"], dep["ecosystem"], dep["kind"])].append(
                    dep["name"] + (f" {dep['spec']}" if dep["spec"] else "")
                )
            for (manifest, ecosystem, kind), names in groups.items():
                out.append(f"- {manifest} ({ecosystem}, {kind}): {', '.join(names)}")
        if self.entry_points:
            out.append(f"Entry points ({len(self.entry_points)}):")
            out += [
                f"- {e['name']}" + (f" = {e['target']}" if e["target"] else "") + f" ({e['kind']}, {e['source']})"
                for e in self.entry_points[:40]
            ]
        tests = self.tests
        if tests.get("files"):
            by_lang = ", ".join(f"{k} {v}" for k, v in tests["by_language"].items())
            where = f" in {', '.join(tests['dirs'][:10])}" if tests["dirs"] else ""
            out.append(f"Tests: {_n(tests['files'], 'file')} ({by_lang}){where}")
        else:
            out.append("Tests: none found")
        if self.largest_files:
            out.append(
                "Largest files: "
                + "; ".join(
                    f"{f['path']} ({_size(f['bytes'])}"
                    + (f", {_n(f['lines'], 'line')})" if f["lines"] is not None else ")")
                    for f in self.largest_files
                )
            )
        if self.problems:
            out.append("Could not read: " + "; ".join(self.problems))
        return "\n".join(out)


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"


def step_delay() -> float:
    try:
        return max(0.0, float(os.environ.get(STEP_DELAY_ENV, "") or 0.0))
    except ValueError:
        return 0.0


# ----- the walk ------------------------------------------------------------------------------------


class _Walk:
    """os.walk in slices (``step``), each run in a worker thread."""

    def __init__(self, root: Path, max_files: int) -> None:
        self.root = root
        self.max_files = max_files
        self.files: list[_FileInfo] = []
        self.dirs: dict[str, list[str]] = {}  # rel dir -> file names
        self.truncated = False
        self.skipped_links = 0
        self._walk = os.walk(root, topdown=True, followlinks=False, onerror=lambda _e: None)
        self._pending: deque[tuple[str, str]] = deque()  # (rel dir, file name) not yet measured
        self.done = False

    def step(self, budget: int = SLICE_FILES) -> None:
        handled = 0
        while handled < budget:
            if not self._pending:
                if self.truncated:
                    self.done = True
                    return
                try:
                    dirpath, dirnames, filenames = next(self._walk)
                except StopIteration:
                    self.done = True
                    return
                # Pruned in place: os.walk does not descend into what is removed here.
                dirnames[:] = sorted(
                    d for d in dirnames
                    if d not in SKIP_DIRS and not d.endswith(".egg-info") and not self._is_link(dirpath, d)
                )
                rel_dir = _rel(self.root, Path(dirpath))
                kept = []
                for name in sorted(filenames):
                    if self._is_link(dirpath, name):
                        continue
                    kept.append(name)
                self.dirs[rel_dir] = kept
                self._pending = deque((rel_dir, name) for name in kept)
                continue
            rel_dir, name = self._pending.popleft()
            if len(self.files) >= self.max_files:
                self.truncated = True
                self._pending.clear()
                continue
            self.files.append(self._measure(rel_dir, name))
            handled += 1

    def _is_link(self, dirpath: str, name: str) -> bool:
        if os.path.islink(os.path.join(dirpath, name)):
            self.skipped_links += 1
            return True
        return False

    def _measure(self, rel_dir: str, name: str) -> _FileInfo:
        rel = name if rel_dir == "." else f"{rel_dir}/{name}"
        path = self.root / rel
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        suffix = Path(name).suffix.lower()
        language = LANGUAGES.get(suffix) or NAMED_LANGUAGES.get(name)
        lines: int | None = None
        if (language or suffix in TEXT_SUFFIXES) and size <= MAX_LINE_COUNT_BYTES:
            try:
                data = path.read_bytes()
            except OSError:
                data = b""
            lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        return _FileInfo(rel, size, lines, language)


def _rel(root: Path, path: Path) -> str:
    rel = os.path.relpath(path, root)
    return "." if rel == "." else PurePosixPath(*Path(rel).parts).as_posix()


def _parent(rel: str) -> str:
    parent = PurePosixPath(rel).parent.as_posix()
    return parent


# ----- the analysis --------------------------------------------------------------------------------


async def analyze(root: Path, *, report: Report | None = None, max_files: int = MAX_FILES) -> RepositoryAnalysis:
    """``root`` is already confined (``roots.confine``). ``report(progress, total, message)`` is
    awaited at least six times."""
    started = time.perf_counter()
    delay = step_delay()
    total = 6.0

    async def say(progress: float, message: str) -> None:
        if report is not None:
            await report(progress, total, message)
        if delay:
            await anyio.sleep(delay)

    await say(0, "Analyzing repository structure…")
    walk = _Walk(root, max_files)
    next_note = 1000
    while not walk.done:
        await anyio.to_thread.run_sync(walk.step)
        if delay:
            await anyio.sleep(delay)
        else:
            await anyio.lowlevel.checkpoint()
        if len(walk.files) >= next_note and not walk.done:
            next_note += 1000
            n = len(walk.files)
            await say(min(0.95, n / (n + 2000)), f"Scanned {n:,} files…")

    result = RepositoryAnalysis(root=str(root), truncated=walk.truncated, skipped_links=walk.skipped_links,
                                max_files=max_files)
    files = walk.files
    result.files = len(files)
    _languages(result, files)
    await say(1, f"Read {_n(len(files), 'file')} in {_n(len(walk.dirs), 'folder')}; finding components…")

    context = await anyio.to_thread.run_sync(_Context.build, root, walk)
    result.components = context.components()
    await say(2, f"Found {_n(len(result.components), 'component')}…")

    await say(3, "Checking dependencies…")
    result.dependencies = await anyio.to_thread.run_sync(context.dependencies)
    result.manifests = context.manifests
    await say(4, f"Finding entry points… ({_n(len(result.dependencies), 'dependency', 'dependencies')} found)")
    result.entry_points = context.entry_points()
    await say(5, "Looking for tests…")
    result.tests = context.tests()
    result.largest_files = [
        {"path": f.rel, "bytes": f.size, "lines": f.lines}
        for f in sorted(files, key=lambda f: (-f.size, f.rel))[:LARGEST]
    ]
    result.problems = context.problems
    result.seconds = time.perf_counter() - started
    if report is not None:
        await report(total, total, result.summary)
    return result


def _languages(result: RepositoryAnalysis, files: list[_FileInfo]) -> None:
    counts: Counter[str] = Counter()
    lines: Counter[str] = Counter()
    for f in files:
        if f.language:
            counts[f.language] += 1
            lines[f.language] += f.lines or 0
    result.lines = sum(lines.values())
    result.languages = [
        {"language": lang, "files": counts[lang], "lines": lines[lang]}
        for lang in sorted(counts, key=lambda lang: (-lines[lang], -counts[lang], lang))
    ]


class _Context:
    """What the components, dependencies, entry points and tests are read from."""

    def __init__(self, root: Path, walk: _Walk) -> None:
        self.root = root
        self.dirs = walk.dirs
        self.files = walk.files
        self.problems: list[str] = []
        self.manifests: list[str] = []
        self._toml: dict[str, dict[str, Any] | None] = {}
        self._json: dict[str, dict[str, Any] | None] = {}
        self.go_modules: dict[str, str] = {}  # rel dir of go.mod -> module path

    @classmethod
    def build(cls, root: Path, walk: _Walk) -> _Context:
        context = cls(root, walk)
        for rel_dir, names in walk.dirs.items():
            for name in names:
                rel = name if rel_dir == "." else f"{rel_dir}/{name}"
                if name in ("pyproject.toml", "Cargo.toml"):
                    context._load_toml(rel)
                elif name == "package.json":
                    context._load_json(rel)
                elif name == "go.mod":
                    context.go_modules[rel_dir] = context._go_module(rel)
        return context

    # -- reading manifests --------------------------------------------------------------------------

    def _read(self, rel: str) -> str | None:
        try:
            return (self.root / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append(f"{rel}: {exc.__class__.__name__}")
            return None

    def _load_toml(self, rel: str) -> dict[str, Any] | None:
        if rel not in self._toml:
            text = self._read(rel)
            data: dict[str, Any] | None = None
            if text is not None:
                try:
                    data = tomllib.loads(text)
                except tomllib.TOMLDecodeError as exc:
                    self.problems.append(f"{rel}: not valid TOML ({exc})")
            self._toml[rel] = data
        return self._toml[rel]

    def _load_json(self, rel: str) -> dict[str, Any] | None:
        if rel not in self._json:
            text = self._read(rel)
            data: dict[str, Any] | None = None
            if text is not None:
                try:
                    loaded = json.loads(text)
                    data = loaded if isinstance(loaded, dict) else None
                except ValueError as exc:
                    self.problems.append(f"{rel}: not valid JSON ({exc})")
            self._json[rel] = data
        return self._json[rel]

    def _go_module(self, rel: str) -> str:
        text = self._read(rel) or ""
        m = re.search(r"^\s*module\s+(\S+)", text, re.MULTILINE)
        return m.group(1) if m else PurePosixPath(rel).parent.name

    # -- components ---------------------------------------------------------------------------------

    def components(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        file_count = Counter(_parent(f.rel) for f in self.files)

        def files_under(rel_dir: str) -> int:
            if rel_dir == ".":
                return len(self.files)
            prefix = rel_dir + "/"
            return sum(n for d, n in file_count.items() if d == rel_dir or d.startswith(prefix))

        # Python packages: a folder with __init__.py; named by the dotted path from the first
        # folder of the chain that has one.
        packages = {d for d, names in self.dirs.items() if "__init__.py" in names and d != "."}
        for d in sorted(packages):
            name = _dotted(d, packages)
            found.append({"name": name, "kind": "python-package", "path": d + "/",
                          "files": sum(1 for n in self.dirs[d] if n.endswith(".py"))})
        # Top-level Python modules (at the root or in src/), not scripts of the build.
        for d in (".", "src"):
            for n in self.dirs.get(d, []):
                if n.endswith(".py") and n not in TOP_MODULE_EXCLUDE and not _TEST_FILE.match(n):
                    path = n if d == "." else f"{d}/{n}"
                    found.append({"name": n[:-3], "kind": "python-module", "path": path, "files": 1})
        # JS/TS packages.
        for d, names in sorted(self.dirs.items()):
            if "package.json" in names:
                rel = "package.json" if d == "." else f"{d}/package.json"
                data = self._load_json(rel) or {}
                name = data.get("name") if isinstance(data.get("name"), str) else None
                found.append({"name": name or _dir_name(self.root, d), "kind": "npm-package",
                              "path": _slash(d), "files": files_under(d)})
        # Go packages: a folder with .go files other than tests.
        for d, names in sorted(self.dirs.items()):
            go = [n for n in names if n.endswith(".go") and not n.endswith("_test.go")]
            if go:
                module_dir, module = self._go_module_of(d)
                suffix = "" if d == module_dir else (d if module_dir == "." else d[len(module_dir) + 1 :])
                name = f"{module}/{suffix}" if suffix else module
                found.append({"name": name, "kind": "go-package", "path": _slash(d), "files": len(go)})
        # Rust crates.
        for d, names in sorted(self.dirs.items()):
            if "Cargo.toml" in names:
                data = self._load_toml("Cargo.toml" if d == "." else f"{d}/Cargo.toml") or {}
                package = data.get("package")
                if isinstance(package, dict):
                    found.append({"name": str(package.get("name") or _dir_name(self.root, d)), "kind": "rust-crate",
                                  "path": _slash(d), "files": files_under(d)})
        return found

    def _go_module_of(self, d: str) -> tuple[str, str]:
        probe = PurePosixPath(d)
        while True:
            key = probe.as_posix()
            if key in self.go_modules:
                return key, self.go_modules[key]
            if key == ".":
                return ".", _dir_name(self.root, d)
            probe = probe.parent

    # -- dependencies -------------------------------------------------------------------------------

    def dependencies(self) -> list[dict[str, Any]]:
        deps: list[dict[str, Any]] = []
        for rel_dir, names in sorted(self.dirs.items()):
            for name in names:
                rel = name if rel_dir == "." else f"{rel_dir}/{name}"
                before = len(deps)
                if name == "pyproject.toml":
                    self._pyproject_deps(rel, deps)
                elif re.match(r"^requirements.*\.txt$", name):
                    self._requirements_deps(rel, name, deps)
                elif name == "package.json":
                    self._package_json_deps(rel, deps)
                elif name == "go.mod":
                    self._go_deps(rel, deps)
                elif name == "Cargo.toml":
                    self._cargo_deps(rel, deps)
                else:
                    continue
                if len(deps) > before or rel not in self.manifests:
                    self.manifests.append(rel)
        return deps

    @staticmethod
    def _pep508(requirement: str, manifest: str, kind: str) -> dict[str, Any] | None:
        requirement = requirement.split(" #", 1)[0].strip()
        m = _PY_NAME.match(requirement)
        if not m:
            return None
        spec = ((m.group(2) or "").replace(" ", "") + m.group(3).strip()).strip()
        return {"name": m.group(1), "spec": spec, "kind": kind, "ecosystem": "python", "manifest": manifest}

    def _pyproject_deps(self, rel: str, deps: list[dict[str, Any]]) -> None:
        data = self._load_toml(rel) or {}
        project = data.get("project") if isinstance(data.get("project"), dict) else {}
        for req in project.get("dependencies") or []:
            if isinstance(req, str) and (dep := self._pep508(req, rel, "runtime")):
                deps.append(dep)
        for group, reqs in (project.get("optional-dependencies") or {}).items():
            for req in reqs or []:
                if isinstance(req, str) and (dep := self._pep508(req, rel, f"optional:{group}")):
                    deps.append(dep)
        for group, reqs in (data.get("dependency-groups") or {}).items():
            for req in reqs or []:
                if isinstance(req, str) and (dep := self._pep508(req, rel, f"group:{group}")):
                    deps.append(dep)
        poetry = ((data.get("tool") or {}).get("poetry") or {}) if isinstance(data.get("tool"), dict) else {}
        for table, kind in (("dependencies", "runtime"), ("dev-dependencies", "dev")):
            for name, spec in (poetry.get(table) or {}).items():
                if name.lower() != "python":
                    deps.append({"name": name, "spec": _spec_text(spec), "kind": kind, "ecosystem": "python",
                                 "manifest": rel})

    def _requirements_deps(self, rel: str, name: str, deps: list[dict[str, Any]]) -> None:
        stem = name[len("requirements"):-len(".txt")].strip("-_.")
        kind = stem or "runtime"
        for line in (self._read(rel) or "").splitlines():
            line = line.strip()
            if not line or line.startswith(("#", "-", "git+", "http:", "https:", ".", "/")):
                continue
            if dep := self._pep508(line.split(";", 1)[0] if ";" in line else line, rel, kind):
                deps.append(dep)

    def _package_json_deps(self, rel: str, deps: list[dict[str, Any]]) -> None:
        data = self._load_json(rel) or {}
        for table, kind in (("dependencies", "runtime"), ("devDependencies", "dev"),
                            ("peerDependencies", "peer"), ("optionalDependencies", "optional")):
            section = data.get(table)
            if isinstance(section, dict):
                for name, spec in section.items():
                    deps.append({"name": str(name), "spec": str(spec), "kind": kind, "ecosystem": "npm",
                                 "manifest": rel})

    def _go_deps(self, rel: str, deps: list[dict[str, Any]]) -> None:
        in_block = False
        for raw in (self._read(rel) or "").splitlines():
            line = raw.strip()
            if in_block:
                if line.startswith(")"):
                    in_block = False
                    continue
                candidate = line
            elif line.startswith("require ("):
                in_block = True
                continue
            elif line.startswith("require "):
                candidate = line[len("require "):]
            else:
                continue
            if (m := _GO_REQUIRE.match(candidate)) and not candidate.startswith("//"):
                deps.append({"name": m.group(1), "spec": m.group(2), "kind": "indirect" if m.group(3) else "runtime",
                             "ecosystem": "go", "manifest": rel})

    def _cargo_deps(self, rel: str, deps: list[dict[str, Any]]) -> None:
        data = self._load_toml(rel) or {}
        tables: list[tuple[dict[str, Any], str]] = []
        for table, kind in (("dependencies", "runtime"), ("dev-dependencies", "dev"), ("build-dependencies", "build")):
            if isinstance(data.get(table), dict):
                tables.append((data[table], kind))
        workspace = data.get("workspace")
        if isinstance(workspace, dict) and isinstance(workspace.get("dependencies"), dict):
            tables.append((workspace["dependencies"], "workspace"))
        for section, kind in tables:
            for name, spec in section.items():
                deps.append({"name": str(name), "spec": _spec_text(spec), "kind": kind, "ecosystem": "cargo",
                             "manifest": rel})

    # -- entry points -------------------------------------------------------------------------------

    def entry_points(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for rel, data in sorted(self._toml.items()):
            if not data or PurePosixPath(rel).name != "pyproject.toml":
                continue
            project = data.get("project") if isinstance(data.get("project"), dict) else {}
            for table, kind in (("scripts", "console-script"), ("gui-scripts", "gui-script")):
                for name, target in (project.get(table) or {}).items():
                    found.append({"name": name, "kind": kind, "target": str(target), "source": rel})
            poetry = ((data.get("tool") or {}).get("poetry") or {}) if isinstance(data.get("tool"), dict) else {}
            for name, target in (poetry.get("scripts") or {}).items():
                found.append({"name": name, "kind": "console-script", "target": _spec_text(target), "source": rel})
        for rel, data in sorted(self._json.items()):
            if not data:
                continue
            package = data.get("name") if isinstance(data.get("name"), str) else PurePosixPath(rel).parent.name
            bin_ = data.get("bin")
            if isinstance(bin_, str):
                found.append({"name": package, "kind": "npm-bin", "target": bin_, "source": rel})
            elif isinstance(bin_, dict):
                for name, target in bin_.items():
                    found.append({"name": str(name), "kind": "npm-bin", "target": str(target), "source": rel})
            if isinstance(data.get("main"), str):
                found.append({"name": package, "kind": "npm-main", "target": data["main"], "source": rel})
            if isinstance(data.get("scripts"), dict):
                for name, command in data["scripts"].items():
                    found.append({"name": str(name), "kind": "npm-script", "target": str(command), "source": rel})
        packages = {d for d, names in self.dirs.items() if "__init__.py" in names}
        for d, names in sorted(self.dirs.items()):
            if "__main__.py" in names:
                rel = "__main__.py" if d == "." else f"{d}/__main__.py"
                module = _dotted(d, packages) if d in packages else d
                found.append({"name": f"python -m {module}" if d in packages else rel, "kind": "python-main",
                              "target": rel, "source": rel})
            if "main.go" in names:
                rel = "main.go" if d == "." else f"{d}/main.go"
                text = self._read(rel) or ""
                if re.search(r"^\s*package\s+main\b", text, re.MULTILINE):
                    found.append({"name": _dir_name(self.root, d), "kind": "go-main", "target": rel, "source": rel})
            if PurePosixPath(d).name == "src" and "main.rs" in names:
                crate_dir = _parent(d) if d != "src" else "."
                found.append({"name": self._crate_name(crate_dir), "kind": "rust-binary", "target": f"{d}/main.rs",
                              "source": f"{d}/main.rs"})
            if PurePosixPath(d).name == "bin" and PurePosixPath(d).parent.name == "src":
                for n in names:
                    if n.endswith(".rs"):
                        found.append({"name": n[:-3], "kind": "rust-binary", "target": f"{d}/{n}",
                                      "source": f"{d}/{n}"})
        return found

    def _crate_name(self, d: str) -> str:
        data = self._toml.get("Cargo.toml" if d == "." else f"{d}/Cargo.toml") or {}
        package = data.get("package") if isinstance(data.get("package"), dict) else {}
        return str(package.get("name") or _dir_name(self.root, d))

    # -- tests --------------------------------------------------------------------------------------

    def tests(self) -> dict[str, Any]:
        crate_dirs = {d for d, names in self.dirs.items() if "Cargo.toml" in names}
        test_files: list[_FileInfo] = []
        for f in self.files:
            name = PurePosixPath(f.rel).name
            parent = _parent(f.rel)
            if _TEST_FILE.match(name):
                test_files.append(f)
            elif name.endswith(".rs") and PurePosixPath(parent).name == "tests" and _parent(parent) in crate_dirs:
                test_files.append(f)
        dirs: set[str] = set()
        for f in test_files:
            parts = PurePosixPath(f.rel).parts[:-1]
            # The outermost folder named like a test folder, else the file's own folder.
            named = next((i for i, p in enumerate(parts) if p in TEST_DIR_NAMES), None)
            dirs.add(_slash(PurePosixPath(*parts[: named + 1]).as_posix() if named is not None else
                            (PurePosixPath(*parts).as_posix() if parts else ".")))
        by_language = Counter(f.language or "other" for f in test_files)
        return {
            "files": len(test_files),
            "dirs": sorted(dirs),
            "by_language": dict(sorted(by_language.items(), key=lambda kv: (-kv[1], kv[0]))),
        }


def _dotted(d: str, packages: set[str]) -> str:
    """A package folder's import name: the dotted path from the outermost folder of its chain of
    packages ("src/demo/core" with src/demo a package too: "demo.core")."""
    parts = PurePosixPath(d).parts
    start = len(parts) - 1
    while start > 0 and PurePosixPath(*parts[:start]).as_posix() in packages:
        start -= 1
    return ".".join(parts[start:])


def _spec_text(spec: Any) -> str:
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict):
        if "version" in spec:
            return str(spec["version"])
        for key in ("path", "git", "workspace"):
            if key in spec:
                return f"{key}={spec[key]}"
    return json.dumps(spec, sort_keys=True) if spec is not None else ""


def _slash(d: str) -> str:
    return "./" if d == "." else d + "/"


def _dir_name(root: Path, d: str) -> str:
    return root.name if d == "." else PurePosixPath(d).name
