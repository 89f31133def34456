"""Precision, recall and F1 of the rules on a labelled set of utterances (bench/actions).

A predicted item matches a labelled one of the same utterance when their words overlap enough
(token F1 ≥ 0.5, the usual lenient span match: a to-do may be written with a word more or
less); each labelled item is matched at most once. Owner and due date are scored on the matches.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from firstword.actions.extract import Utterance, extract

MATCH_F1 = 0.5


def default_labelled() -> Path | None:
    path = Path(__file__).resolve().parents[2] / "bench" / "actions" / "labelled.jsonl"
    return path if path.is_file() else None


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def token_f1(a: str, b: str) -> float:
    x, y = _words(a), _words(b)
    common = sum(min(x.count(w), y.count(w)) for w in set(x))
    if not common:
        return 0.0
    precision, recall = common / len(x), common / len(y)
    return 2 * precision * recall / (precision + recall)


def evaluate(path: Path) -> dict[str, Any]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    conversations: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        conversations[row["conversation"]].append(row)
    tp = fp = fn = owner_ok = due_ok = 0
    misses: list[dict[str, Any]] = []
    for conversation in conversations.values():
        date = dt.date.fromisoformat(conversation[0]["date"])
        utterances = [Utterance(i + 1, row.get("speaker"), row["text"]) for i, row in enumerate(conversation)]
        predicted: dict[int, list[Any]] = defaultdict(list)
        for item in extract(utterances, date):
            predicted[item.evidence.line].append(item)
        for i, row in enumerate(conversation):
            gold = list(row.get("items") or [])
            for item in predicted.get(i + 1, []):
                best = max(gold, key=lambda g: token_f1(item.text, g["text"]), default=None)
                if best is not None and token_f1(item.text, best["text"]) >= MATCH_F1:
                    gold.remove(best)
                    tp += 1
                    owner_ok += (item.owner or None) == (best.get("owner") or None)
                    due_ok += item.due == best.get("due")
                else:
                    fp += 1
                    misses.append({"kind": "false_positive", "text": row["text"], "predicted": item.text, "rule": item.rule})
            fn += len(gold)
            misses += [{"kind": "false_negative", "text": row["text"], "expected": g["text"]} for g in gold]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "utterances": len(rows),
        "items": tp + fn,
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "owner_accuracy": round(owner_ok / tp, 3) if tp else None,
        "due_accuracy": round(due_ok / tp, 3) if tp else None,
        "confusion": {"true_positive": tp, "false_positive": fp, "false_negative": fn},
        "misses": misses,
    }
