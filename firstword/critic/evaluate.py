"""The critic against sentences a person labelled: precision and recall of "must not be said".

The labelled set (``bench/critic/labelled.jsonl``) holds sentences from real outputs of the
embedded model and a larger one, over several profiles, each labelled supported / unsupported /
echo / self_reference / degenerate by reading it against the profile (``bench/critic/README.md``).
A flag is a true positive when the label is anything but supported; the verdict's kind is
reported too, but a flag for the wrong reason still keeps the sentence off the screen.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from firstword.answerer.personas import PERSONAS

# The instructions the labelled outputs were written under (bench/critic/README.md): the critic
# is told what its model was told, as it is in the server.
PROMPTS = {
    "whole_profile": (
        "You are an interview copilot. The user is a candidate in a live job interview. The "
        "interviewer just asked a question. Write what the candidate could say, in the first person, "
        "in two or three short sentences, using the candidate's real experience below. Lead with the "
        "point. No preamble."
    ),
    "facts_only": (
        "You are an interview copilot helping a candidate in a live job interview. Answer the "
        "interviewer's question as the candidate would say it, in the first person, in two or three "
        "short sentences. Use only the facts listed; do not add employers, numbers, skills or titles "
        "that are not in them."
    ),
}
from firstword.answerer.profile import load_profile_dir
from firstword.critic.critic import ProfileCritic


def default_labelled() -> Path | None:
    """The repository's labelled set, when this is a source checkout."""
    path = Path(__file__).resolve().parents[2] / "bench" / "critic" / "labelled.jsonl"
    return path if path.is_file() else None


def profiles_dir(labelled: Path) -> Path:
    return labelled.parent.parent / "answers" / "profiles"


@dataclass(frozen=True, slots=True)
class Row:
    profile: str
    question: str
    sentence: str
    label: str
    group: str  # the output the sentence came from (sentences are judged with their earlier ones)
    raw: dict[str, Any]


def load(labelled: Path) -> list[Row]:
    rows = []
    for line in labelled.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        # Ids are "<output id>-<sentence index>": a sentence is judged with the ones before it.
        group = str(raw.get("id", "")).rsplit("-", 1)[0] or "|".join(
            str(raw.get(k, "")) for k in ("profile", "model", "prompt_style", "question")
        )
        rows.append(Row(raw["profile"], raw.get("question", ""), raw["sentence"], raw["label"], group, raw))
    return rows


def load_split(labelled: Path) -> dict[str, list[str]]:
    """The dev/test split by profile (``bench/answers/split.json``): rules are tuned on the dev
    profiles' sentences only, and the test profiles' figures are the ones to believe."""
    path = labelled.parent.parent / "answers" / "split.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): [str(p) for p in v] for k, v in raw.items() if isinstance(v, list)}


def _scores(tp: int, fp: int, fn: int, tn: int) -> dict[str, Any]:
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return {
        "sentences": tp + fp + fn + tn,
        "precision": None if precision is None else round(precision, 3),
        "recall": None if recall is None else round(recall, 3),
        "confusion": {"true_positive": tp, "false_positive": fp, "false_negative": fn, "true_negative": tn},
    }


def evaluate(labelled: Path, *, with_rows: bool = False, profiles: set[str] | None = None) -> dict[str, Any]:
    """Precision and recall over the labelled rows (of ``profiles`` only, when given), overall
    and per split (``splits``: dev and test, by profile)."""
    rows = [r for r in load(labelled) if profiles is None or r.profile in profiles]
    critics: dict[tuple[str, str], ProfileCritic] = {}
    root = profiles_dir(labelled)
    earlier: dict[str, list[str]] = {}
    tp = fp = fn = tn = 0
    by_label: Counter[tuple[str, str]] = Counter()
    judged: list[dict[str, Any]] = []
    split_of = {p: name for name, members in load_split(labelled).items() for p in members}
    per_split: dict[str, Counter[str]] = {}
    for row in rows:
        style = str(row.raw.get("prompt_style", ""))
        critic = critics.get((row.profile, style))
        if critic is None:
            instructions = PROMPTS.get(style, PERSONAS["copilot"])
            critic = critics[(row.profile, style)] = ProfileCritic(load_profile_dir(root / row.profile), instructions)
        before = earlier.setdefault(row.group, [])
        judgement = critic.judge(row.sentence, row.question, before)
        before.append(row.sentence)
        bad = row.label != "supported"
        flagged = judgement.flagged
        tp += bad and flagged
        fp += flagged and not bad
        fn += bad and not flagged
        tn += not bad and not flagged
        cell = "tp" if bad and flagged else "fp" if flagged else "fn" if bad else "tn"
        per_split.setdefault(split_of.get(row.profile, "other"), Counter())[cell] += 1
        by_label[(row.label, judgement.verdict.value)] += 1
        if with_rows:
            judged.append({
                **row.raw, "verdict": judgement.verdict.value, "evidence": judgement.evidence,
                "split": split_of.get(row.profile, "other"),
            })
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    result: dict[str, Any] = {
        "sentences": len(rows),
        "precision": None if precision is None else round(precision, 3),
        "recall": None if recall is None else round(recall, 3),
        "confusion": {"true_positive": tp, "false_positive": fp, "false_negative": fn, "true_negative": tn},
        "by_label": {f"{label} -> {verdict}": n for (label, verdict), n in sorted(by_label.items())},
        "splits": {
            # The split's profiles that have labelled sentences.
            name: {"profiles": sorted({r.profile for r in rows if split_of.get(r.profile, "other") == name}),
                   **_scores(c["tp"], c["fp"], c["fn"], c["tn"])}
            for name, c in sorted(per_split.items())
        },
    }
    if with_rows:
        result["rows"] = judged
    return result
