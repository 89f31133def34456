"""Action items by rules: what commits someone, what does not, owners and dates only as stated,
the CLI's JSON, and the rules' score on the labelled set (bench/actions)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from firstword.actions.dates import resolve
from firstword.actions.evaluate import default_labelled, evaluate
from firstword.actions.extract import extract, parse_transcript
from firstword.cli import app

MONDAY = dt.date(2026, 3, 2)


def items(text: str, on: dt.date = MONDAY) -> list[dict]:
    return [i.to_dict() for i in extract(parse_transcript(text), on)]


@pytest.mark.parametrize(
    ("line", "action", "owner"),
    [
        ("Priya: I'll send the revised budget to finance.", "send the revised budget to finance", "Priya"),
        ("Priya: I'm going to call the supplier.", "call the supplier", "Priya"),
        ("Mo: Remind me to renew the licence.", "renew the licence", "Mo"),
        ("Lee: Let's review the hiring plan.", "review the hiring plan", None),
        ("Lee: We will publish the timetable.", "publish the timetable", None),
        ("Chair: Dana to update the rota.", "update the rota", "Dana"),
        ("Chair: Sam will draft the memo.", "draft the memo", "Sam"),
        ("Lee: Sam, can you book the room?", "book the room", "Sam"),
        ("Lee: Can you draft the memo?", "draft the memo", None),
        ("Chair: Action item: circulate the minutes.", "circulate the minutes", None),
        ("Chair: The next step is for Ana to contact the school.", "contact the school", "Ana"),
    ],
)
def test_a_commitment_is_an_item_with_only_the_owner_it_states(line: str, action: str, owner: str | None) -> None:
    (item,) = items(line)
    assert (item["text"], item["owner"]) == (action, owner)
    assert item["due"] is None
    assert line[item["evidence"]["start"] : item["evidence"]["end"]].rstrip(".?").endswith(action.split()[-1])


@pytest.mark.parametrize(
    "line",
    [
        "Sam: I sent the rota yesterday.",
        "Lee: We would have called them if we had time.",
        "Lee: If I had time I'd rewrite the guide.",
        "Ana: Did you send it?",
        "Ana: Should we hire another nurse?",
        "Ana: Maybe later we could look at the dashboard.",
        "Ana: We might revisit pricing at some point.",
        "Dana: She said she'd call them.",
        "Dana: I won't be able to join the call.",
        "Dana: It would be nice to have a new logo.",
        "Dana: Thanks everyone, good meeting.",
    ],
)
def test_what_commits_no_one_is_not_an_item(line: str) -> None:
    assert items(line) == []


def test_a_declined_request_is_not_an_item_and_an_accepted_one_is_merged() -> None:
    assert items("Lee: Can you draft the memo?\nAna: No, I can't this week.") == []
    merged = items("Lee: Ana, can you send the deck by Friday?\nAna: Sure, I'll send the deck.")
    assert len(merged) == 1
    assert (merged[0]["owner"], merged[0]["due"]) == ("Ana", "2026-03-06")


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("by Friday", "2026-03-06"),
        ("tomorrow", "2026-03-03"),
        ("next week", "2026-03-09"),
        ("end of the month", "2026-03-31"),
        ("in two weeks", "2026-03-16"),
        ("next Tuesday", "2026-03-10"),
        ("on Wednesday", "2026-03-04"),
        ("EOD", "2026-03-02"),
    ],
)
def test_dates_resolve_against_the_conversations_date(phrase: str, expected: str) -> None:
    assert str(resolve(phrase, MONDAY)) == expected


def test_a_due_date_is_taken_out_of_the_action_and_a_number_is_not_a_date() -> None:
    (item,) = items("Priya: I'll send 3 slides to finance by the end of the month.")
    assert item["text"] == "send 3 slides to finance"
    assert item["due"] == "2026-03-31"


def test_the_cli_prints_the_documented_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    conversation = tmp_path / "meeting.txt"
    conversation.write_text("Priya: I'll send the budget by Friday.\n\nSam: I sent the rota yesterday.\n")
    result = CliRunner().invoke(app, ["actions", "extract", str(conversation), "--date", "2026-03-02", "--json"])
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.output)["items"]
    assert set(item) == {"text", "owner", "due", "evidence", "confidence"}
    assert item["evidence"] == {"line": 1, "start": 7, "end": 38}
    assert (item["owner"], item["due"]) == ("Priya", "2026-03-06")
    assert 0 < item["confidence"] <= 1
    bad = CliRunner().invoke(app, ["actions", "extract", str(conversation), "--date", "next week", "--json"])
    assert bad.exit_code == 2


def test_the_rules_on_the_labelled_set() -> None:
    labelled = default_labelled()
    if labelled is None:
        pytest.skip("bench/actions/labelled.jsonl is absent: the rules' score is not measured")
    result = evaluate(labelled)
    print(f"\naction items: precision {result['precision']} recall {result['recall']} F1 {result['f1']}")
    # A floor under today's score (README), so that a rule change that loses ground fails here.
    assert result["f1"] >= F1_FLOOR, result["confusion"]


F1_FLOOR = 0.8  # the target; the rules scored 0.857 when the set was first run (README)
