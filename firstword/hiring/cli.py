"""``firstword assess items INSTRUMENT [--json]`` and ``firstword assess score --instrument I --responses FILE [--json]``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from firstword.hiring.instruments import Instrument, UnknownInstrumentError, get_instrument

assess_app = typer.Typer(help="Questionnaires for hiring: list an instrument's items, score answers.", no_args_is_help=True)
console = Console()


def _fail(message: str) -> NoReturn:
    # Plain text: messages quote the user's JSON, whose brackets rich would read as markup.
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _instrument(name: str) -> Instrument:
    try:
        return get_instrument(name)
    except UnknownInstrumentError as exc:
        _fail(str(exc))


@assess_app.command("items")
def items_command(
    instrument: Annotated[str, typer.Argument(help="the instrument, e.g. ipip-50")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """The instrument's items in administration order: {"instrument", "items": [{id, text, scale, keyed}]}."""
    chosen = _instrument(instrument)
    if as_json:
        payload = {
            "instrument": chosen.name,
            "items": [{"id": i.id, "text": i.text, "scale": i.scale, "keyed": i.keyed} for i in chosen.items],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{chosen.title} ({chosen.name}), answers: "
                        + ", ".join(f"{v} {label}" for v, label in chosen.response_labels.items()))
    for column in ("id", "text", "scale", "keyed"):
        table.add_column(column)
    for item in chosen.items:
        table.add_row(item.id, item.text, item.scale, item.keyed)
    console.print(table)


def _read_answers(path: Path) -> tuple[dict[str, Any], dict[str, Any] | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {path}: {exc}")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"{path} is not valid JSON: {exc}")
    if not isinstance(document, dict) or not isinstance(document.get("responses"), dict):
        _fail(f'{path} must be a JSON object with a "responses" object: {{"responses": {{"<item id>": 1..5}}}}')
    times = document.get("times_ms")
    if times is not None and not isinstance(times, dict):
        _fail(f'{path}: "times_ms" must be an object {{"<item id>": milliseconds}}')
    return document["responses"], times


@assess_app.command("score")
def score_command(
    instrument: Annotated[str, typer.Option("--instrument", help="the instrument, e.g. ipip-50")],
    responses: Annotated[Path, typer.Option("--responses", help='a JSON file {"responses": {id: 1..5}, "times_ms": {id: ms}}')],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Scores per scale (raw, percentile, items answered, 90 % range) and response-quality flags."""
    from firstword.hiring.scoring import score_responses

    chosen = _instrument(instrument)
    answers, times = _read_answers(responses)
    try:
        report = score_responses(chosen, answers, times)
    except ValueError as exc:
        _fail(str(exc))
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{chosen.title}: scores")
    table.add_column("scale", no_wrap=True)
    for column in ("answered", "raw", "percentile", "90 % range (percentile)", "note"):
        table.add_column(column)
    for name, scale in report.scales.items():
        band = f"{scale.range.percentile_low}–{scale.range.percentile_high}" if scale.range else "–"
        note = scale.reason or ("percentile from the prorated score" if scale.percentile_basis == "prorated_raw" else "")
        table.add_row(name, f"{scale.items_answered}/{scale.items_total}", str(scale.raw if scale.raw is not None else "–"),
                      str(scale.percentile if scale.percentile is not None else "–"), band, note)
    console.print(table)
    norm_sources = {scale.norm_source for scale in report.scales.values() if scale.norm_source}
    for source in sorted(norm_sources):
        console.print(f"norms: {source} (all respondents pooled)", highlight=False)
    for flag in report.flags:
        console.print(f"[yellow]flag {flag.code}:[/] {flag.message}", highlight=False)
