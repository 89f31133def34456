"""``firstword critic``: check a prepared answer against your own profile, or measure the critic
on the labelled sentences."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from firstword.answerer.personas import PERSONAS
from firstword.answerer.profile import ProfileError, load_profile_dir
from firstword.critic.critic import ProfileCritic
from firstword.critic.sentences import split

critic_app = typer.Typer(help="The critic: check an answer against a profile.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)

STYLE = {"supported": "green", "unsupported": "red", "echo": "yellow", "self_reference": "magenta", "degenerate": "red"}


@critic_app.command("check")
def check(
    profile: Annotated[Path, typer.Option(help="profile directory (resume, job description, notes, stories)")],
    answer: Annotated[Path, typer.Option(help="a file holding the answer's text ('-' for standard input)")],
    question: Annotated[str, typer.Option(help="the question the answer is for")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Judge each sentence of an answer: supported, unsupported, echo, self_reference, degenerate."""
    try:
        loaded = load_profile_dir(profile)
    except ProfileError as exc:
        err.print(f"[red]cannot read the profile:[/] {exc}")
        raise typer.Exit(2) from None
    try:
        text = sys.stdin.read() if str(answer) == "-" else answer.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"[red]cannot read the answer:[/] {exc}")
        raise typer.Exit(2) from None
    critic = ProfileCritic(loaded, PERSONAS["copilot"])
    results = []
    earlier: list[str] = []
    for sentence in split(text, final=True):
        judgement = critic.judge(sentence.text, question, earlier)
        earlier.append(sentence.text)
        # Offsets in the answer as given (the splitter counts from its first character).
        results.append(
            {
                "start": sentence.start,
                "end": sentence.end,
                "text": sentence.text,
                "verdict": judgement.verdict.value,
                "evidence": judgement.evidence,
            }
        )
    if as_json:
        print(json.dumps({"sentences": results}, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(results)} sentences")
    table.add_column("verdict")
    table.add_column("sentence")
    table.add_column("why")
    for r in results:
        table.add_row(Text(r["verdict"], style=STYLE[r["verdict"]]), r["text"], r["evidence"])
    console.print(table)


@critic_app.command("eval")
def evaluate_command(
    labelled: Annotated[Path | None, typer.Option(help="labelled sentences (default: bench/critic/labelled.jsonl)")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the results, with every row's verdict")] = None,
) -> None:
    """Precision and recall of the critic on sentences a person labelled."""
    from firstword.critic.evaluate import default_labelled, evaluate

    path = labelled or default_labelled()
    if path is None or not path.is_file():
        err.print("[red]no labelled set[/]: pass --labelled FILE (bench/critic/labelled.jsonl in a checkout)")
        raise typer.Exit(2)
    result = evaluate(path, with_rows=json_out is not None)
    table = Table(title=f"critic on {result['sentences']} labelled sentences")
    table.add_column("label -> verdict")
    table.add_column("n", justify="right")
    for key, n in result["by_label"].items():
        table.add_row(key, str(n))
    console.print(table)
    console.print(f"precision {result['precision']} · recall {result['recall']} · {result['confusion']}")
    for name, part in result.get("splits", {}).items():
        console.print(
            f"  {name} ({', '.join(part['profiles']) or 'unsplit profiles'}): precision {part['precision']} · "
            f"recall {part['recall']} · {part['sentences']} sentences · {part['confusion']}"
        )
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
        console.print(f"wrote {json_out}")
