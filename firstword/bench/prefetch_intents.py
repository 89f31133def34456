"""``firstword bench prefetch-intents``: the prefetch intent classifier (``prefetch.intents``) on
the labelled interviewer turns' blind check split: precision, recall and every false hit, with
``--train`` the fitting first (``prefetch.intents_train``: C and the thresholds out of fold)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from firstword.prefetch import intents
from firstword.prefetch.intents_train import FOLDS, check
from firstword.prefetch.intents_train import train as fit_model


def run(data: Path, json_out: Path | None, *, train: bool, model_file: Path | None, console: Console) -> dict[str, Any]:
    target = model_file or intents.model_path()
    fitted: dict[str, Any] | None = None
    if train:
        with console.status(f"fitting on {data / 'train'} ({FOLDS} folds × C grid)"):
            model, fitted = fit_model(data, target)
        console.print(f"wrote {target}")
    else:
        model = intents.load(target)
    measured = check(model, data)
    result = {"model": str(target), "trained": model.meta, "fitted_now": fitted is not None, **measured}
    c = measured["check"]
    table = Table(title=f"intent classifier on the check split (threshold {model.threshold:.3f}, "
                        f"≤ {model.max_unknown} unknown words; stories {model.story_threshold:.3f})")
    for column in ("intent", "asking", "hits", "false hits"):
        table.add_column(column, justify="right" if column != "intent" else "left")
    for name, row in measured["per_intent"].items():
        table.add_row(name, str(row["asking"]), str(row["hits"]), str(row["false_hits"]))
    console.print(table)
    for f in c["false"]:
        console.print(f"[red]false hit[/] {f['read']} (p {f['p']}) for {f['label']}: {f['text']!r} ({f['where']})")
    console.print(
        f"check: {c['turns']} turns, {c['asking']} asking an intent; hits {c['hits']} (recall {c['recall']:.3f}), "
        f"false hits {c['false_hits']} (precision {c['precision']:.3f}); out-of-fold recall on train "
        f"{model.meta.get('out_of_fold_recall')}; {measured['read_ms_per_turn']:.3f} ms a turn")
    s = measured["stories"]
    for f in s["false"]:
        console.print(f"[yellow]story read wrong[/] {f['read']} (p {f['p']}) for {f['label']}: {f['text']!r} ({f['where']})")
    console.print(
        f"stories (threshold {model.story_threshold:.3f}, shown only where the live answer tells the same story): "
        f"{s['asking']} asking one; hits {s['hits']} (recall {s['recall']:.3f}), read wrong {s['false_hits']} "
        f"(precision {s['precision']:.3f})")
    u = measured["check_unseen"]
    console.print(f"check turns not word for word in train: {u['turns']}, recall {u['recall']:.3f}, "
                  f"false hits {u['false_hits']} (precision {u['precision']:.3f})")
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result

