"""``firstword actions extract FILE --json`` and ``firstword actions eval``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from firstword.actions.extract import extract, parse_transcript

actions_app = typer.Typer(help="Action items by rules: extract them, evaluate the rules.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


@actions_app.command("extract")
def extract_command(
    file: Annotated[Path, typer.Argument(help="a text file of 'Speaker: utterance' lines ('-' for standard input)")],
    date: Annotated[str | None, typer.Option(help="the conversation's date, YYYY-MM-DD (default: today)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """The action items of a conversation: {"items": [{text, owner, due, evidence, confidence}]}."""
    try:
        text = typer.get_text_stream("stdin").read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"[red]cannot read {file}:[/] {exc}")
        raise typer.Exit(2) from None
    try:
        on = dt.date.fromisoformat(date) if date else dt.date.today()
    except ValueError:
        err.print(f"[red]--date must be YYYY-MM-DD, got {date!r}[/]")
        raise typer.Exit(2) from None
    items = extract(parse_transcript(text), on)
    if as_json:
        print(json.dumps({"items": [item.to_dict() for item in items]}, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(items)} action items")
    for column in ("line", "owner", "due", "action", "rule"):
        table.add_column(column)
    for item in items:
        table.add_row(str(item.evidence.line), item.owner or "–", item.due or "–", item.text, item.rule)
    console.print(table)


@actions_app.command("eval")
def eval_command(
    labelled: Annotated[Path | None, typer.Option(help="labelled utterances (default: bench/actions/labelled.jsonl)")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the results, with every miss")] = None,
) -> None:
    """Precision, recall and F1 of the rules on utterances a person labelled."""
    from firstword.actions.evaluate import default_labelled, evaluate

    path = labelled or default_labelled()
    if path is None or not path.is_file():
        err.print("[red]no labelled set[/]: pass --labelled FILE (bench/actions/labelled.jsonl in a checkout)")
        raise typer.Exit(2)
    result = evaluate(path)
    console.print(
        f"{result['utterances']} utterances, {result['items']} items · precision {result['precision']} · "
        f"recall {result['recall']} · F1 {result['f1']} · owner {result['owner_accuracy']} · due {result['due_accuracy']}"
    )
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
        console.print(f"wrote {json_out}")
