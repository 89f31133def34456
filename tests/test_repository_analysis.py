"""analyze_repository's analysis (tools.repository) and its path confinement (tools.roots), on
a small polyglot repository built here and on this repository itself."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from firstword.tools.repository import MAX_FILES, analyze
from firstword.tools.roots import PathNotAllowed, allowed_roots, confine

REPO_ROOT = Path(__file__).resolve().parents[1]


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def polyglot(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    write(root, "pyproject.toml", """
[project]
name = "demo"
dependencies = ["requests>=2.31", "click"]

[project.optional-dependencies]
dev = ["pytest>=8"]

[project.scripts]
demo = "demo.cli:main"
""")
    write(root, "requirements.txt", "# pinned\nflask==3.0.0\n-r other.txt\n\nnumpy>=1.26 ; python_version >= '3.11'\n")
    write(root, "src/demo/__init__.py", "")
    write(root, "src/demo/cli.py", "def main():\n    print('hi')\n")
    write(root, "src/demo/__main__.py", "from demo.cli import main\nmain()\n")
    write(root, "src/demo/core/__init__.py", "X = 1\n")
    write(root, "tests/test_cli.py", "def test_main():\n    assert True\n")
    write(root, "web/package.json", json.dumps({
        "name": "demo-web", "main": "index.js", "bin": {"demo-web": "bin/cli.js"},
        "scripts": {"test": "jest"},
        "dependencies": {"react": "^18.2.0"}, "devDependencies": {"jest": "^29.0.0"},
    }))
    write(root, "web/index.js", "export const a = 1;\nexport const b = 2;\nexport const c = 3;\n")
    write(root, "web/bin/cli.js", "#!/usr/bin/env node\n")
    write(root, "web/index.test.js", "test('a', () => {});\n")
    write(root, "svc/go.mod", "module example.com/svc\n\ngo 1.22\n\nrequire (\n\tgithub.com/gorilla/mux v1.8.1\n"
                              "\tgolang.org/x/text v0.14.0 // indirect\n)\n")
    write(root, "svc/main.go", "package main\n\nfunc main() {}\n")
    write(root, "svc/handler/handler.go", "package handler\n")
    write(root, "svc/handler/handler_test.go", "package handler\n")
    write(root, "crate/Cargo.toml", """
[package]
name = "democrate"
version = "0.1.0"

[dependencies]
serde = { version = "1.0", features = ["derive"] }
anyhow = "1"

[dev-dependencies]
proptest = "1"
""")
    write(root, "crate/src/main.rs", "fn main() {}\n")
    write(root, "crate/src/lib.rs", "pub fn f() {}\n")
    write(root, "crate/tests/it.rs", "#[test]\nfn it() {}\n")
    write(root, "README.md", "# demo\n")
    # Never read: the walk skips these.
    write(root, "web/node_modules/left-pad/package.json", json.dumps({"name": "left-pad", "dependencies": {"x": "1"}}))
    write(root, "web/node_modules/left-pad/index.js", "module.exports = 1;\n")
    write(root, ".venv/lib/site.py", "x = 1\n" * 1000)
    write(root, ".git/config", "[core]\n")
    write(root, "build/generated.py", "y = 2\n" * 1000)
    write(root, "src/demo/__pycache__/cli.cpython-311.pyc", "junk")
    return root


async def test_polyglot_repository(polyglot: Path) -> None:
    reports: list[tuple[float, float | None, str]] = []

    async def report(progress: float, total: float | None, message: str) -> None:
        reports.append((progress, total, message))

    result = await analyze(polyglot, report=report)
    data = result.to_dict()

    assert {lang["language"]: (lang["files"], lang["lines"]) for lang in data["languages"]} == {
        "Python": (5, 7), "JavaScript": (3, 5), "Go": (3, 5), "Rust": (3, 4),
    }
    assert data["files"] == 20  # everything written above, less the skipped folders
    assert {(c["name"], c["kind"], c["path"]) for c in data["components"]} == {
        ("demo", "python-package", "src/demo/"),
        ("demo.core", "python-package", "src/demo/core/"),
        ("demo-web", "npm-package", "web/"),
        ("example.com/svc", "go-package", "svc/"),
        ("example.com/svc/handler", "go-package", "svc/handler/"),
        ("democrate", "rust-crate", "crate/"),
    }
    deps = {(d["ecosystem"], d["name"], d["spec"], d["kind"], d["manifest"]) for d in data["dependencies"]}
    assert deps == {
        ("python", "requests", ">=2.31", "runtime", "pyproject.toml"),
        ("python", "click", "", "runtime", "pyproject.toml"),
        ("python", "pytest", ">=8", "optional:dev", "pyproject.toml"),
        ("python", "flask", "==3.0.0", "runtime", "requirements.txt"),
        ("python", "numpy", ">=1.26", "runtime", "requirements.txt"),
        ("npm", "react", "^18.2.0", "runtime", "web/package.json"),
        ("npm", "jest", "^29.0.0", "dev", "web/package.json"),
        ("go", "github.com/gorilla/mux", "v1.8.1", "runtime", "svc/go.mod"),
        ("go", "golang.org/x/text", "v0.14.0", "indirect", "svc/go.mod"),
        ("cargo", "serde", "1.0", "runtime", "crate/Cargo.toml"),
        ("cargo", "anyhow", "1", "runtime", "crate/Cargo.toml"),
        ("cargo", "proptest", "1", "dev", "crate/Cargo.toml"),
    }
    assert {(e["name"], e["kind"], e["target"]) for e in data["entry_points"]} == {
        ("demo", "console-script", "demo.cli:main"),
        ("demo-web", "npm-bin", "bin/cli.js"),
        ("demo-web", "npm-main", "index.js"),
        ("test", "npm-script", "jest"),
        ("python -m demo", "python-main", "src/demo/__main__.py"),
        ("svc", "go-main", "svc/main.go"),
        ("democrate", "rust-binary", "crate/src/main.rs"),
    }
    assert data["tests"] == {
        "files": 4,
        "dirs": ["crate/tests/", "svc/handler/", "tests/", "web/"],
        "by_language": {"Go": 1, "JavaScript": 1, "Python": 1, "Rust": 1},
    }
    assert data["largest_files"][0]["path"] == "web/package.json"
    assert not any("node_modules" in f["path"] or ".venv" in f["path"] or "build/" in f["path"]
                   for f in data["largest_files"])
    assert data["summary"] == f"Analyzed {polyglot}: 4 languages, 6 components, 12 dependencies"
    assert result.to_text().splitlines()[0] == data["summary"]

    # Progress: increasing, with words a person reads, the stages named.
    assert len(reports) >= 6
    assert [p for p, _, _ in reports] == sorted(p for p, _, _ in reports)
    messages = " | ".join(m for _, _, m in reports)
    for stage in ("Analyzing repository structure", "components", "Checking dependencies", "Finding entry points",
                  "Looking for tests"):
        assert stage in messages
    assert reports[-1] == (6.0, 6.0, data["summary"])


async def test_this_repository() -> None:
    result = await analyze(REPO_ROOT)
    data = result.to_dict()
    languages = {lang["language"] for lang in data["languages"]}
    assert {"Python", "JavaScript", "HTML", "CSS"} <= languages
    assert data["languages"][0]["language"] == "Python"
    components = {c["name"] for c in data["components"]}
    assert {"firstword", "firstword.server", "firstword.server.routes", "firstword.tools"} <= components
    deps = {(d["name"], d["kind"]) for d in data["dependencies"] if d["manifest"] == "pyproject.toml"}
    assert {("fastapi", "runtime"), ("mcp", "runtime"), ("pytest", "optional:test")} <= deps
    assert {"name": "firstword", "kind": "console-script", "target": "firstword.cli:app",
            "source": "pyproject.toml"} in data["entry_points"]
    assert any(e["kind"] == "python-main" and e["name"] == "python -m firstword" for e in data["entry_points"])
    assert data["tests"]["files"] >= 40 and "tests/" in data["tests"]["dirs"]
    assert not result.truncated and data["files"] < MAX_FILES
    assert not any(part in f["path"] for f in data["largest_files"] for part in (".venv/", ".git/"))


# ----- confinement ---------------------------------------------------------------------------------


def test_roots_default_to_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert allowed_roots([]) == [tmp_path.resolve()]
    assert allowed_roots(["", " "]) == [tmp_path.resolve()]
    assert confine(".", allowed_roots([])) == tmp_path.resolve()


def test_a_path_that_does_not_exist(tmp_path: Path) -> None:
    roots = allowed_roots([str(tmp_path)])
    with pytest.raises(PathNotAllowed) as caught:
        confine(str(tmp_path / "nope"), roots)
    assert "does not exist" in str(caught.value) and str(tmp_path.resolve()) in str(caught.value)


def test_a_path_outside_the_roots(tmp_path: Path) -> None:
    (tmp_path / "allowed").mkdir()
    (tmp_path / "other").mkdir()
    roots = allowed_roots([str(tmp_path / "allowed")])
    for path in (str(tmp_path / "other"), str(tmp_path / "allowed" / ".." / "other"), "/", "../other"):
        with pytest.raises(PathNotAllowed) as caught:
            confine(path, roots)
        text = str(caught.value)
        assert "outside the allowed roots" in text and str((tmp_path / "allowed").resolve()) in text
        assert "FIRSTWORD_TOOLS__ROOTS" in text
    with pytest.raises(PathNotAllowed):
        confine("", roots)
    # A relative path starts at the first root.
    (tmp_path / "allowed" / "repo").mkdir()
    assert confine("repo", roots) == (tmp_path / "allowed" / "repo").resolve()


async def test_a_symlink_out_of_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    write(outside, "secret.py", "PASSWORD = 'x'\n")
    write(root, "repo/app.py", "x = 1\n")
    os.symlink(outside, root / "repo" / "escape")
    os.symlink(outside / "secret.py", root / "repo" / "secret_link.py")
    os.symlink(outside, root / "escape")
    roots = allowed_roots([str(root)])

    with pytest.raises(PathNotAllowed) as caught:
        confine(str(root / "escape"), roots)
    assert "outside the allowed roots" in str(caught.value) and str(outside.resolve()) in str(caught.value)
    with pytest.raises(PathNotAllowed):
        confine(str(root / "repo" / "escape" / "secret.py"), roots)

    # Inside the root, the walk never follows a link: the files behind it are not read.
    result = await analyze(confine(str(root / "repo"), roots))
    assert result.files == 1 and result.skipped_links == 2
    assert [f["path"] for f in result.largest_files] == ["app.py"]


async def test_the_walk_is_bounded(tmp_path: Path) -> None:
    for i in range(30):
        write(tmp_path, f"pkg/m{i}.py", "x = 1\n")
    result = await analyze(tmp_path, max_files=10)
    assert result.truncated and result.files == 10
    assert "stopped at" in result.to_text()
