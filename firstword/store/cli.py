"""``firstword history``: stored sessions from the configured database, no server needed."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from firstword.config import load_settings
from firstword.store.base import SessionStatus
from firstword.store.database import describe_error, display_url, sqlite_path
from firstword.store.export import history_to_json, history_to_markdown
from firstword.store.sqlstore import SqlStore

history_app = typer.Typer(help="Stored sessions: list, show, export.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)

T = TypeVar("T")

STATUS_STYLE = {
    SessionStatus.ACTIVE: "green",
    SessionStatus.CLOSED: "dim",
    SessionStatus.INTERRUPTED: "yellow",
}


def _run(read: Callable[[SqlStore], Awaitable[T]]) -> T:
    """Open the configured database for reading (no migration, no writer), run ``read``."""
    settings = load_settings()
    url = settings.store_url()
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        err.print(f"[red]no history yet:[/] {path} does not exist (the server creates it on its first start)")
        raise typer.Exit(1)

    async def go() -> T:
        store = SqlStore(url, node_id=settings.resolved_node_id(), config=settings.store)
        try:
            return await read(store)
        finally:
            await store.engine.dispose()

    try:
        return asyncio.run(go())
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - a one-line reason, not a traceback, for a CLI user
        err.print(f"[red]cannot read {display_url(url)}:[/] {describe_error(exc)}")
        raise typer.Exit(1) from None


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts is not None else ""


@history_app.command("list")
def list_sessions(
    limit: Annotated[int, typer.Option(help="how many sessions, newest first")] = 20,
    offset: Annotated[int, typer.Option(help="skip this many of the newest")] = 0,
) -> None:
    """The stored sessions, newest first."""
    sessions = _run(lambda store: store.list_sessions(limit=limit, offset=offset))
    if not sessions:
        console.print("no sessions stored" + (f" past the first {offset}" if offset else ""))
        return
    table = Table(title="firstword sessions", title_justify="left")
    for column in ("session", "started", "status", "persona", "node", "turns", "first question"):
        table.add_column(
            column,
            justify="right" if column == "turns" else "left",
            no_wrap=column in ("session", "started", "status"),
        )
    for s in sessions:
        style = STATUS_STYLE.get(s.status, "")
        table.add_row(
            s.session_id,
            _when(s.created_at),
            f"[{style}]{s.status.value}[/]" if style else s.status.value,
            s.persona,
            s.node_id,
            str(s.turns),
            s.title or "—",
        )
    console.print(table)


@history_app.command("show")
def show(
    session_id: Annotated[str, typer.Argument(help="a session id (see `firstword history list`)")],
) -> None:
    """One session: each question, its answers (cancelled ones struck through) and latencies."""
    history = _run(lambda store: store.history(session_id))
    if history is None:
        err.print(f"[red]unknown session {session_id!r}[/]")
        raise typer.Exit(1)
    console.print(Markdown(history_to_markdown(history)))


@history_app.command("export")
def export(
    session_id: Annotated[str, typer.Argument(help="a session id (see `firstword history list`)")],
    format: Annotated[str, typer.Option("--format", "-f", help="json or md")] = "json",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write here instead of stdout")] = None,
) -> None:
    """A session as JSON or Markdown (never with its owner token)."""
    if format not in ("json", "md"):
        err.print(f"[red]unknown format {format!r}:[/] use json or md")
        raise typer.Exit(2)
    history = _run(lambda store: store.history(session_id))
    if history is None:
        err.print(f"[red]unknown session {session_id!r}[/]")
        raise typer.Exit(1)
    if format == "md":
        text = history_to_markdown(history)
    else:
        text = json.dumps(history_to_json(history), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    err.print(f"wrote {out}")
