"""Pictures of benchmark results (matplotlib, written as SVG; no display needed).

``latency_plot``: each stage's latency distribution per variant (``bench latency``) beside the
trade-off between the first word's p50 and the early answers shown and then taken back.
``tradeoff_plot``: the same trade-off as a curve over many policy settings (``bench turn-end``).
``capacity_plot``: first-word p50/p95 and the committed-text lag against sessions at once
(``bench capacity``), with the sessions refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

STAGES = (
    ("e2e_first_word_ms", "end of speech → first word"),
    ("endpoint_delay_ms", "end of speech → endpoint"),
    ("vad_to_first_word_ms", "endpoint → first word"),
    ("stt_final_ms", "end of speech → final"),
)


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")  # files only: never a window
    import matplotlib.pyplot as plt

    return plt


def latency_plot(reports: Sequence[dict[str, Any]], path: Path, *, title: str = "") -> None:
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [3, 2]})
    width = 0.8 / max(1, len(reports))
    for v, report in enumerate(reports):
        data, positions = [], []
        for s, (key, _) in enumerate(STAGES):
            values = [t[key] for t in report["turns"] if t.get(key) is not None]
            data.append(values or [float("nan")])
            positions.append(s + (v - (len(reports) - 1) / 2) * width)
        parts = left.boxplot(data, positions=positions, widths=width * 0.9, patch_artist=True, showfliers=True,
                             manage_ticks=False)
        colour = f"C{v}"
        for box in parts["boxes"]:
            box.set(facecolor=colour, alpha=0.45)
        left.plot([], [], color=colour, linewidth=8, alpha=0.45, label=report["name"])
    left.set_xticks(range(len(STAGES)), [label for _, label in STAGES], rotation=12, fontsize=8)
    left.set_ylabel("ms (client clock)")
    left.set_title("latency per stage, per turn")
    left.grid(axis="y", alpha=0.3)
    left.legend(fontsize=8)
    for v, report in enumerate(reports):
        s = report["summary"]
        x = s.get("early_cancelled_shown_per_turn")
        y = s["e2e_first_word_ms"].get("p50")
        if x is None or y is None:
            continue
        right.scatter([x], [y], color=f"C{v}", s=60, zorder=3)
        right.annotate(report["name"], (x, y), textcoords="offset points", xytext=(6, 4), fontsize=8)
    _tradeoff_axes(right)
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format=path.suffix.lstrip(".") or "svg")
    plt.close(fig)


def tradeoff_plot(curves: dict[str, list[tuple[float, float]]], path: Path, *, title: str = "",
                  marks: dict[str, tuple[float, float]] | None = None, ylabel: str | None = None) -> None:
    """``curves``: name -> [(cut per turn, first word p50 ms)]; ``marks``: named single points."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 5))
    for i, (name, points) in enumerate(curves.items()):
        points = sorted(points)
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", markersize=3, color=f"C{i}", label=name)
    for j, (name, (x, y)) in enumerate((marks or {}).items()):
        ax.scatter([x], [y], s=70, marker="*", color=f"C{len(curves) + j}", zorder=3, label=name)
    _tradeoff_axes(ax)
    if ylabel:
        ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format=path.suffix.lstrip(".") or "svg")
    plt.close(fig)


def _tradeoff_axes(ax: Any) -> None:
    ax.set_xlabel("early answers shown, then taken back, per turn")
    ax.set_ylabel("first word p50 (ms after the end of speech)")
    ax.set_title("speed against take-backs")
    ax.grid(alpha=0.3)
    # Room around the points, so that none sits on an edge with its label cut.
    ax.set_xlim(0, ax.get_xlim()[1] * 1.2 + 0.02)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.15)


def capacity_plot(levels: Sequence[dict[str, Any]], path: Path, *, title: str = "",
                  goal_ms: tuple[float, float] = (600.0, 1000.0),
                  compare: Sequence[dict[str, Any]] | None = None, compare_name: str = "before") -> None:
    """``levels``: ``bench capacity``'s JSON levels; the goal's p50 and p95 drawn as lines;
    ``compare``: another run's levels (e.g. without the shared decoder), drawn in grey."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    xs = [lv["sessions"] for lv in levels]
    for key, style in (("p50", "-o"), ("p95", "--s")):
        if compare:
            left.plot([lv["sessions"] for lv in compare],
                      [lv["e2e_first_word_ms"].get(key) or float("nan") for lv in compare], style,
                      color="grey", alpha=0.6, label=f"{compare_name}: {key}")
            right.plot([lv["sessions"] for lv in compare],
                       [lv.get("committed_lag_ms", {}).get("p50" if key == "p50" else "p90") or float("nan")
                        for lv in compare], style, color="grey", alpha=0.6,
                       label=f"{compare_name}: lag {'p50' if key == 'p50' else 'p90'}")
    for key, style, label in (("p50", "-o", "e2e first word p50"), ("p95", "--s", "e2e first word p95")):
        left.plot(xs, [lv["e2e_first_word_ms"].get(key) or float("nan") for lv in levels], style, label=label)
    left.axhline(goal_ms[0], color="C0", alpha=0.3, linestyle=":", label=f"goal p50 {goal_ms[0]:.0f} ms")
    left.axhline(goal_ms[1], color="C1", alpha=0.3, linestyle=":", label=f"goal p95 {goal_ms[1]:.0f} ms")
    for lv in levels:
        note = f"{lv['admitted']} in" + (f", {lv['refused']} refused" if lv["refused"] else "")
        note += f"\n{lv['answered']}/{lv['turns']} answered"
        y = lv["e2e_first_word_ms"].get("p95") or 0
        left.annotate(note, (lv["sessions"], y), textcoords="offset points", xytext=(4, 6), fontsize=7)
    left.set_ylim(0, left.get_ylim()[1] * 1.15)  # room for the notes above the points
    left.set_xscale("log", base=2)
    left.set_xticks(xs, [str(x) for x in xs])
    left.set_xlabel("sessions requested at once")
    left.set_ylabel("ms, server clock (end of speech → first word)")
    left.set_title("first word against load")
    left.grid(alpha=0.3)
    left.legend(fontsize=7)
    for key, style in (("p50", "-o"), ("p90", "--s")):
        right.plot(xs, [lv.get("committed_lag_ms", {}).get(key) or float("nan") for lv in levels], style,
                   label=f"committed-text lag {key}")
    right.set_xscale("log", base=2)
    right.set_xticks(xs, [str(x) for x in xs])
    right.set_xlabel("sessions requested at once")
    right.set_ylabel("ms (word spoken → held committed)")
    right.set_title("transcript behind the voice")
    right.grid(alpha=0.3)
    right.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format=path.suffix.lstrip(".") or "svg")
    plt.close(fig)
